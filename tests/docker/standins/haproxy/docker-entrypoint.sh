#!/bin/sh
# As the official image's: a bare option list means haproxy; haproxy runs master-worker (-W)
# in the foreground (-db).
set -e
if [ "${1#-}" != "$1" ]; then
	set -- haproxy "$@"
fi
if [ "$1" = 'haproxy' ]; then
	shift
	set -- haproxy -W -db "$@"
fi
exec "$@"
