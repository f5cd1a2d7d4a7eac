# syntax=docker/dockerfile:1
#
# Incident Assistant: one image, three roles.
#
#   docker build -t ghcr.io/incident-assistant/incident-assistant:0.1.0 .
#   docker run --rm IMAGE start --role watcher|differ|correlator
#   docker run --rm IMAGE start            # all-in-one, in-process event log (demo)
#
# Stages: deps (all dependencies, for the build) -> build (tsc -> dist/) ; prod-deps (npm ci --omit=dev)
#         -> runtime (node:20-bookworm-slim, no npm/yarn/corepack, uid 10001, read-only-root friendly).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------- deps: every dependency, for the build
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund

# ---------------------------------------------------------------- build: TypeScript -> dist/
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build \
 && test -f dist/apps/cli/src/main.js

# ---------------------------------------------------------------- prod-deps: runtime node_modules only
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# Source maps and type declarations are dead weight at run time (about 45% of node_modules).
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/.cache \
 && find node_modules -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \
      -o -name '*.tsbuildinfo' \) -delete

# ---------------------------------------------------------------- runtime
FROM ${NODE_IMAGE} AS runtime

ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="incident-assistant" \
      org.opencontainers.image.description="Watches every change in your Kubernetes clusters and ranks the changes most likely to have caused an incident" \
      org.opencontainers.image.source="https://github.com/incident-assistant/incident-assistant" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"

# tini: PID 1 that forwards SIGTERM to node and reaps zombies (node as PID 1 ignores signals it has no handler for).
# npm, npx, yarn and corepack are not needed at run time: removing them shrinks the image and its CVE surface.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
           /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* \
 && groupadd --system --gid 10001 incident-assistant \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin incident-assistant

WORKDIR /app
ENV NODE_ENV=production \
    IA_PROTO_DIR=/app/proto

# Files stay owned by root and are read-only for the app user: nothing under /app is ever written.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY bin ./bin
COPY proto ./proto
# The all-in-one's default with no cluster (the image's CMD) plays the bundled demo incident.
COPY demo ./demo
COPY --from=build /app/dist ./dist

# Only /tmp is written (mount an emptyDir / tmpfs there when the root filesystem is read-only).
USER 10001:10001

# watcher, differ, correlator HTTP (/healthz, /readyz, /metrics; correlator: Alertmanager webhook); correlator gRPC.
EXPOSE 8081 8082 8083 50051

ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/incident-assistant.js"]
CMD ["start"]
