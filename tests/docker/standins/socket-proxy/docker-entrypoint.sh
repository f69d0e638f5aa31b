#!/bin/bash
set -euo pipefail
cp /usr/local/etc/haproxy/haproxy.cfg.template /tmp/haproxy.cfg
exec "$@"
