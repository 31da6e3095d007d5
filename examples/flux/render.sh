#!/usr/bin/env bash
# CI step in front of Flux: render SRC (configuration with KubeDB databases) into OUT, the
# directory a Flux Kustomization reconciles (or that `flux push artifact` publishes).
# Flux's kustomize-controller runs no KRM functions, so dbtls runs here instead.
#   examples/flux/render.sh SRC OUT
# Fails (exit 1, OUT untouched) on any error result; problems are printed as
# file:line:column lines. DBTLS names the command (default: dbtls on PATH; e.g.
# DBTLS="docker run --rm -v $PWD:/src:ro -w /src ghcr.io/dbtls/dbtls:v0.1.0").
set -euo pipefail
if [ $# -ne 2 ]; then echo "usage: $0 SRC OUT" >&2; exit 2; fi
src=$1 out=$2
dbtls=${DBTLS:-dbtls}
# Without dbtls the check below could only fail, and would blame SRC: say what is missing instead.
if ! command -v "${dbtls%% *}" >/dev/null 2>&1; then
  echo "render.sh: ${dbtls%% *} not found on PATH; install dbtls (npm install -g in a clone of the repository) or set DBTLS to the command that runs it" >&2
  exit 127
fi

# Every problem with its position; a non-zero exit on any error stops the pipeline here.
if ! $dbtls check "$src"; then
  echo "dbtls: $src has errors; $out was not changed" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$dbtls render "$src" >"$tmp/manifests.yaml"
# Never hand Flux an empty set: with prune enabled it would delete everything.
if ! grep -q '^kind:' "$tmp/manifests.yaml"; then
  echo "dbtls: rendering $src produced no manifests; $out was not changed" >&2
  exit 1
fi
mkdir -p "$out"
mv "$tmp/manifests.yaml" "$out/manifests.yaml"
echo "dbtls: rendered $src into $out/manifests.yaml" >&2
