# Stand-in for the public python:3.11-slim-bookworm image, from package registries only (images/bases.mts):
# the Debian bookworm base from mmdebstrap with Debian's Python 3.11, venv (ensurepip), the C headers the
# official image also ships, CA certificates, and `python` naming python3 as in the official image.
ARG DEBIAN_IMAGE=localhost/openfold-argo-base/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
         ca-certificates python3 python3-venv python3-dev python-is-python3 \
    && rm -rf /var/lib/apt/lists/* \
    && python3 --version
CMD ["python3"]
