# dbtls as a KRM function image (kpt `image:`, kustomize `container:`).
# Build:  docker build -t ghcr.io/dbtls/dbtls:v0.1.0 .
#
# Base image: Node.js 24 LTS on Alpine 3.22, pinned by tag and by the digest of its multi-arch
# index (amd64 and arm64), so a rebuild gets the same bytes. Update both together. (The digest
# is the one public Dockerfiles pin for this tag; no registry is reachable from where this was
# written: confirm with `docker buildx imagetools inspect node:24.11.1-alpine3.22`.)
ARG NODE_IMAGE=node:24.11.1-alpine3.22@sha256:2867d550cf9d8bb50059a0fff528741f11a84d985c732e60e19e8e75c7239c43

# ---- build: install the locked dev dependencies and bundle fn/ into one file ----
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/ scripts/
COPY schemas/ schemas/
COPY fn/ fn/
RUN npm run build

# ---- runtime: Node.js and the single bundled file, nothing else ----
FROM ${NODE_IMAGE}
# The bundle needs no node_modules, no network and no writable path: it reads stdin and writes
# stdout. It runs as an unprivileged user (kpt and kustomize also pass --user nobody).
COPY --from=build --chown=0:0 --chmod=0555 /src/dist/dbtls.js /dbtls.js
USER 65534:65534
ENV NODE_ENV=production
LABEL org.opencontainers.image.title="dbtls" \
      org.opencontainers.image.description="KRM function: KubeDB TLS settings to cert-manager Certificates and TLS-mounted workloads" \
      org.opencontainers.image.licenses="Apache-2.0"
# test/bin/docker reads this line to run dist/dbtls.js the way the image would, and bench/run.mjs
# its node options. --max-semi-space-size=8 halves V8's young generation (16 MiB semi-spaces by
# default): at N=5,000 databases peak RSS falls from about 270 to 235 MiB for a few per cent more
# CPU (bench/results.md); a render is one short burst of allocation, which the default sizes for
# long-running servers do not fit.
ENTRYPOINT ["node", "--max-semi-space-size=8", "/dbtls.js"]
