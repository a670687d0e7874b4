# Stand-in for the public golang:<version> image, from package registries only (images/bases.mts): the Debian
# bookworm base from mmdebstrap with CA certificates, and the Go toolchain from the Go module proxy's
# golang.org/toolchain module (verified by the go command against the checksum database and a pinned hash),
# in /usr/local/go as in the official image. GOTOOLCHAIN=local: a build never downloads another toolchain.
# Context: a folder holding go/ (the toolchain module's files).
ARG DEBIAN_IMAGE=localhost/openfold-argo-base/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY go /usr/local/go
ENV GOTOOLCHAIN=local GOPATH=/go PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN go version
WORKDIR /go
