// The `yaml` package keeps positions and source tokens, which js-yaml does not; dbtls needs them
// only off the fast path (a problem's line and column, a second reading of YAML js-yaml refuses,
// the text of a scalar kubectl and kpt read differently). It is required on first use, and built
// into a file of its own (dist/dbtls-yaml.js, scripts/build.mjs): ~7 ms off every start in KRM
// and render mode.
type YamlPackage = typeof import('yaml');
let yamlPackage: YamlPackage | undefined;

export function loadYamlPackage(): YamlPackage {
  yamlPackage ??= require('yaml') as YamlPackage;
  return yamlPackage;
}
