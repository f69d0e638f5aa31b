#!/bin/sh
# The engine listens on its own socket and, for the test on this machine only, on TCP 2375
# without TLS (the node containers sit on a private bridge network of the test's engine).
set -e
exec dockerd --host=unix:///var/run/docker.sock --host=tcp://0.0.0.0:2375 \
  --tls=false --no-new-privileges "$@"
