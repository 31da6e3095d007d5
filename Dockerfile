# dbtls as a KRM function image (kpt `image:`, kustomize `container:`).
# Build:  docker build -t ghcr.io/dbtls/dbtls:v0.1.0 .
#   or, without a registry (a stand-in base made from this machine's Node.js):
#         bash scripts/build-image.sh
#
# Base image: Node.js 24 LTS on Alpine 3.22, pinned by tag and by the digest of its multi-arch
# index (amd64 and arm64), so a rebuild gets the same bytes. Update both together. (The digest
# is the one public Dockerfiles pin for this tag; no registry is reachable from where this was
# written: confirm with `docker buildx imagetools inspect node:24.11.1-alpine3.22`.)
ARG NODE_IMAGE=node:24.11.1-alpine3.22@sha256:2867d550cf9d8bb50059a0fff528741f11a84d985c732e60e19e8e75c7239c43

# ---- build: install the locked dev dependencies and bundle fn/ into dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/ scripts/
COPY schemas/ schemas/
COPY fn/ fn/
# npm run build also makes the code caches of the files the example loads (scripts/build.mjs).
COPY examples/resource-list.yaml examples/
RUN npm run build
# The build made the caches with this stage's node, which is the runtime stage's, and the
# ENTRYPOINT's node options (V8 accepts a cache only from the same Node.js and the same flags).
# With the hook preloaded, as the ENTRYPOINT has it, a second run adds the entry point's own.
RUN DBTLS_CODE_CACHE_WRITE=1 node --max-semi-space-size=8 --require=./scripts/code-cache.cjs dist/dbtls.js <examples/resource-list.yaml >/dev/null

# ---- runtime: Node.js, the bundle, its code caches and the hook that reads them; nothing else ----
FROM ${NODE_IMAGE}
# The bundle needs no node_modules, no network and no writable path: it reads stdin and writes
# stdout. It runs as an unprivileged user (kpt and kustomize also pass --user nobody). dist/
# holds /dbtls.js, the files it loads (dbtls-*.js) and their caches: its contents go to /.
COPY --from=build --chown=0:0 --chmod=0444 /src/dist/ /src/scripts/code-cache.cjs /
USER 65534:65534
ENV NODE_ENV=production
LABEL org.opencontainers.image.title="dbtls" \
      org.opencontainers.image.description="KRM function: KubeDB TLS settings to cert-manager Certificates and TLS-mounted workloads" \
      org.opencontainers.image.licenses="Apache-2.0"
# The node options are scripts/build.mjs's NODE_OPTIONS, which dist/dbtls.js starts node with when
# run from PATH (a test checks that they agree); --require=/code-cache.cjs compiles /dbtls.js
# with /dbtls.cache, and each file it loads with its own.
ENTRYPOINT ["node", "--max-semi-space-size=8", "--require=/code-cache.cjs", "/dbtls.js"]
