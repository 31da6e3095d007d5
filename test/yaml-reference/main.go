// yaml-reference: what a YAML text means to Go's two readers, as the differential tests compare it.
//
//   - "v3": gopkg.in/yaml.v3, the reader under kyaml (kpt, kustomize), decoding into interface{};
//   - "kubectl": sigs.k8s.io/yaml (YAMLToJSON over gopkg.in/yaml.v2), what kubectl and the API
//     server's YAML path turn a manifest into.
//
// Input on stdin: a JSON array of YAML texts. Output on stdout: a JSON array with, for each text,
// {"v3": <meaning or "error: …">, "kubectl": <meaning or "error: …">}; for a ResourceList, also
// "v3Items" and "kubectlItems": the meaning of each item on its own (one broken item does not
// hide what the others mean). A meaning is canonical
// JSON in which every scalar carries its type ("s:abc", "i:31", "f:1000", "b:true", "null",
// "t:2001-12-14T21:59:43.1Z", "x:<base64>" for !!binary), so that a string "31" and the integer
// 31 never compare equal; a mapping is a list of [key, value] pairs sorted by key.
//
// Built at test time in GOPATH mode over Debian's packages (golang-gopkg-yaml.v3-dev,
// golang-gopkg-yaml.v2-dev, golang-k8s-sigs-yaml-dev): no module proxy is involved.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"os"
	"sort"
	"strconv"
	"time"

	yaml2 "gopkg.in/yaml.v2"
	yaml3 "gopkg.in/yaml.v3"
	k8syaml "sigs.k8s.io/yaml"
)

func main() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err)
	}
	var texts []string
	if err := json.Unmarshal(in, &texts); err != nil {
		fail(err)
	}
	out := make([]map[string]interface{}, len(texts))
	for i, text := range texts {
		out[i] = map[string]interface{}{"v3": v3Meaning(text), "kubectl": kubectlMeaning(text)}
		if items := v3Items(text); items != nil {
			out[i]["v3Items"] = items
		}
		if items := kubectlItems(text); items != nil {
			out[i]["kubectlItems"] = items
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "yaml-reference:", err)
	os.Exit(2)
}

// v3Meaning decodes every document of the text, as kyaml's reader accepts a stream.
func v3Meaning(text string) interface{} {
	dec := yaml3.NewDecoder(bytes.NewReader([]byte(text)))
	var docs []interface{}
	for {
		var v interface{}
		err := dec.Decode(&v)
		if err == io.EOF {
			break
		}
		if err != nil {
			return "error: " + err.Error()
		}
		docs = append(docs, canonical(v))
	}
	if len(docs) == 1 {
		return docs[0]
	}
	return docs
}

// kubectlMeaning is the JSON kubectl sends for the text, re-encoded canonically (numbers keep
// their exact digits; JSON has no other scalar types to confuse).
func kubectlMeaning(text string) interface{} {
	j, err := k8syaml.YAMLToJSON([]byte(text))
	if err != nil {
		return "error: " + err.Error()
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	var v interface{}
	if err := dec.Decode(&v); err != nil {
		return "error: " + err.Error()
	}
	return canonical(v)
}

func canonical(v interface{}) interface{} {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "s:" + x
	case bool:
		return "b:" + strconv.FormatBool(x)
	case int:
		return "i:" + strconv.Itoa(x)
	case int64:
		return "i:" + strconv.FormatInt(x, 10)
	case uint64:
		return "i:" + strconv.FormatUint(x, 10)
	case *big.Int:
		return "i:" + x.String()
	case float64:
		return "f:" + strconv.FormatFloat(x, 'g', -1, 64)
	case json.Number:
		if _, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return "i:" + string(x)
		}
		if _, ok := new(big.Int).SetString(string(x), 10); ok {
			return "i:" + string(x)
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return "n:" + string(x)
		}
		return "f:" + strconv.FormatFloat(f, 'g', -1, 64)
	case time.Time:
		return "t:" + x.Format(time.RFC3339Nano)
	case []byte:
		return "x:" + base64.StdEncoding.EncodeToString(x)
	case []interface{}:
		out := make([]interface{}, len(x))
		for i, e := range x {
			out[i] = canonical(e)
		}
		return map[string]interface{}{"seq": out}
	case map[string]interface{}:
		pairs := make([][2]interface{}, 0, len(x))
		for k, e := range x {
			pairs = append(pairs, [2]interface{}{"s:" + k, canonical(e)})
		}
		return sortedPairs(pairs)
	case map[interface{}]interface{}:
		pairs := make([][2]interface{}, 0, len(x))
		for k, e := range x {
			pairs = append(pairs, [2]interface{}{canonical(k), canonical(e)})
		}
		return sortedPairs(pairs)
	default:
		return fmt.Sprintf("?%T:%v", v, v)
	}
}

func sortedPairs(pairs [][2]interface{}) interface{} {
	key := func(p [2]interface{}) string { b, _ := json.Marshal(p[0]); return string(b) }
	sort.Slice(pairs, func(i, j int) bool { return key(pairs[i]) < key(pairs[j]) })
	return map[string]interface{}{"map": pairs}
}

// v3Items: each entry of the document's top-level `items` sequence, decoded on its own.
func v3Items(text string) []interface{} {
	var doc yaml3.Node
	if err := yaml3.Unmarshal([]byte(text), &doc); err != nil || len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml3.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "items" || root.Content[i+1].Kind != yaml3.SequenceNode {
			continue
		}
		var out []interface{}
		for _, item := range root.Content[i+1].Content {
			var v interface{}
			if err := item.Decode(&v); err != nil {
				out = append(out, "error: "+err.Error())
			} else {
				out = append(out, canonical(v))
			}
		}
		return out
	}
	return nil
}

// kubectlItems: each item as kubectl would send it, were it a file of its own: yaml.v2 reads the
// list, and each item is written back by yaml.v2 and turned into JSON by sigs.k8s.io/yaml.
func kubectlItems(text string) []interface{} {
	var doc map[interface{}]interface{}
	if err := yaml2.Unmarshal([]byte(text), &doc); err != nil {
		return nil
	}
	items, ok := doc["items"].([]interface{})
	if !ok {
		return nil
	}
	out := make([]interface{}, len(items))
	for i, item := range items {
		b, err := yaml2.Marshal(item)
		if err != nil {
			out[i] = "error: " + err.Error()
			continue
		}
		out[i] = kubectlMeaning(string(b))
	}
	return out
}
