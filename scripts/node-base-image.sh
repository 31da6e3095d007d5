#!/usr/bin/env bash
# Makes a stand-in for the Dockerfile's Node.js base image out of this machine's own Node.js, for
# machines that reach no container registry (the tests build the image with it; see
# docs/image.md). The Dockerfile builds unchanged on it:
#   buildah bud --build-arg NODE_IMAGE=<the name printed> ...
#
# The root filesystem holds what the Dockerfile's two stages use of an official node image:
#   node, with the shared libraries `ldd` lists for it;
#   npm and npx, as the node image has them (/usr/local/lib/node_modules/npm);
#   BusyBox as /bin/sh, /usr/bin/env and the other tools, as alpine has them (npm runs package
#   scripts with sh; npm's own bin starts with env; the Argo CD plugin's discover runs find and grep);
#   /etc/passwd and /etc/group with root and nobody (kpt and kustomize pass --user nobody);
#   /tmp; the CA bundle this machine's Node.js trusts, and the variable through which it does
#   (NODE_EXTRA_CA_CERTS, or npm's cafile setting), so that the build stage's `npm ci` reaches the
#   npm registry through whatever TLS chain this machine has.
# It is imported with `podman import`, its environment given with --change.
#
# Usage: scripts/node-base-image.sh [NAME]   (default: localhost/dbtls-node-base:<node version>)
# Prints the image name. Does nothing but print it when an image of that name exists.
set -euo pipefail

node=$(readlink -f "$(command -v node)")
version=$("$node" --version)
name=${1:-localhost/dbtls-node-base:${version#v}}
if podman image exists "$name"; then
  echo "$name"
  exit 0
fi
npm_dir=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)
[ -f "$npm_dir/package.json" ] || { echo "node-base-image: npm not found beside $node" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"

# A file and, resolved, the shared libraries it loads, each at its own path.
with_libraries() {
  local file=$1 dest=$2 lib
  install -D -m 755 "$file" "$root$dest"
  while read -r lib; do
    if [ ! -e "$root$lib" ]; then install -D -m 755 "$(readlink -f "$lib")" "$root$lib"; fi
  done < <(ldd "$file" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
}

with_libraries "$node" /usr/local/bin/node
busybox=$(command -v busybox) || { echo "node-base-image: busybox is not installed" >&2; exit 1; }
with_libraries "$(readlink -f "$busybox")" /bin/busybox
mkdir -p "$root/usr/bin"
for applet in $("$busybox" --list); do
  [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
ln -s /bin/busybox "$root/usr/bin/env"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"

mkdir -p "$root/etc" "$root/root" "$root/tmp"
chmod 700 "$root/root"
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"

changes=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
# The CA bundle: the one this machine's Node.js or npm is told to trust, else the system's.
trusted() {
  local file=$1 variable=$2
  [ -f "$file" ] || return 0
  install -D -m 644 "$file" "$root$file"
  changes+=(--change "ENV $variable=$file")
}
trusted "${NODE_EXTRA_CA_CERTS:-}" NODE_EXTRA_CA_CERTS
cafile=$(npm config get cafile 2>/dev/null || true)
[ "$cafile" = null ] || [ "$cafile" = undefined ] || trusted "$cafile" npm_config_cafile
if [ -f /etc/ssl/certs/ca-certificates.crt ] && [ ! -e "$root/etc/ssl/certs/ca-certificates.crt" ]; then
  install -D -m 644 /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
fi

tar -C "$root" --numeric-owner --owner=0 --group=0 -cf - . |
  podman import --quiet "${changes[@]}" --change 'CMD ["node"]' - "$name" >/dev/null
echo "$name"
