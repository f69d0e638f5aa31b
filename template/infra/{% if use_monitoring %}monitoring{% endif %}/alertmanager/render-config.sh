#!/bin/sh
# Render the Alertmanager configuration template (see the top of alertmanager.yml) with values
# from the environment, then run COMMAND if one is given (the container's entrypoint).
#
# Usage: render-config.sh TEMPLATE OUTPUT [COMMAND [ARG...]]
#
# POSIX sh and awk only: it runs in the prom/alertmanager image (busybox) and on any host.
# Values are read through awk's ENVIRON, never pasted into a program, so any character in a
# password or URL is safe; they are escaped for YAML double-quoted strings.
set -eu

if [ "$#" -lt 2 ]; then
  echo "usage: $0 TEMPLATE OUTPUT [COMMAND [ARG...]]" >&2
  exit 2
fi
template=$1
output=$2
shift 2

awk '
  function yaml_escape(text,    result, i, c) {
    result = ""
    for (i = 1; i <= length(text); i++) {
      c = substr(text, i, 1)
      if (c == "\\" || c == "\"") result = result "\\"
      result = result c
    }
    return result
  }
  function all_set(names,    count, list, i) {
    count = split(names, list, " ")
    for (i = 1; i <= count; i++) if (ENVIRON[list[i]] == "") return 0
    return 1
  }
  # Nested conditions: a line is kept while every enclosing one holds.
  /^[ \t]*# if-set:/ {
    names = $0
    sub(/^[ \t]*# if-set:[ \t]*/, "", names)
    depth++
    keep[depth] = (depth == 1 ? 1 : keep[depth - 1]) && all_set(names)
    next
  }
  /^[ \t]*# end-if/ {
    if (depth == 0) { print "render-config: # end-if without # if-set at line " NR > "/dev/stderr"; exit 1 }
    depth--
    next
  }
  depth > 0 && !keep[depth] { next }
  {
    line = $0
    rendered = ""
    while (match(line, /\$\{[A-Za-z_][A-Za-z0-9_]*\}/)) {
      name = substr(line, RSTART + 2, RLENGTH - 3)
      rendered = rendered substr(line, 1, RSTART - 1) yaml_escape(ENVIRON[name])
      line = substr(line, RSTART + RLENGTH)
    }
    print rendered line
  }
  END {
    if (depth != 0) { print "render-config: # if-set without # end-if" > "/dev/stderr"; exit 1 }
  }
' "$template" >"$output.tmp"
mv "$output.tmp" "$output"

if [ "$#" -gt 0 ]; then
  exec "$@"
fi
