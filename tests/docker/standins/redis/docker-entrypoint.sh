#!/bin/bash
# As the official image: hand /data to the redis user (only what it does not own yet, so a
# read-only or already prepared /data is left alone), then drop from root to that user.
set -euo pipefail
if [[ "${1:-}" == redis-server && "$(id -u)" == 0 ]]; then
  find /data \! -user redis -exec chown redis:redis '{}' +
  exec setpriv --reuid=redis --regid=redis --init-groups "$@"
fi
exec "$@"
