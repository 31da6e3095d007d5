#!/usr/bin/env bash
# Builds the dbtls image from the repository's Dockerfile, unchanged, with buildah:
#   bash scripts/build-image.sh [NAME...]        (default name: ghcr.io/dbtls/dbtls:v0.1.0)
# The base image is NODE_IMAGE when that is set (e.g. the Dockerfile's own node:…-alpine, where a
# registry is reachable); otherwise a stand-in made from this machine's Node.js by
# scripts/node-base-image.sh. CONTAINERS_CONF defaults to .ci/containers.conf (runc and cgroupfs:
# what podman and buildah need on machines like CI's). Layers are cached: a rebuild of unchanged
# sources takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/.ci/containers.conf}
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(ghcr.io/dbtls/dbtls:v0.1.0)
base=${NODE_IMAGE:-$(bash scripts/node-base-image.sh)}
tags=()
for name in "${names[@]}"; do tags+=(--tag "$name"); done
# --network host: the build stage's npm ci reaches the npm registry as this machine does;
# --isolation chroot: RUN steps without a container runtime's namespaces (none needed to build).
buildah bud --network host --isolation chroot --layers --build-arg "NODE_IMAGE=$base" "${tags[@]}" .
