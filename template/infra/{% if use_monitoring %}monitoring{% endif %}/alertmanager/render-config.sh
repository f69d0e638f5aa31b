#!/bin/sh
# Render the Alertmanager configuration template (see the top of alertmanager.yml) with values
# from the environment, then run COMMAND if one is given (the container's entrypoint).
# A value may instead come from the file NAME_FILE names (on the server, its secrets do:
# compose mounts them at /run/secrets/...); setting NAME and NAME_FILE both is an error.
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
  function fail(message) {
    print "render-config: " message > "/dev/stderr"
    failed = 1
    exit 1
  }
  # NAME, or the content of the file NAME_FILE names (without its last line end).
  function value(name,    path, line, text, count, status) {
    if (name in known) return known[name]
    path = ENVIRON[name "_FILE"]
    if (path == "") return known[name] = ENVIRON[name]
    if (ENVIRON[name] != "") fail(name " and " name "_FILE are both set: set only one of them")
    text = ""
    count = 0
    while ((status = (getline line < path)) > 0) text = (count++ ? text "\n" : "") line
    if (status < 0) fail(name "_FILE: cannot read " path)
    close(path)
    return known[name] = text
  }
  function all_set(names,    count, list, i) {
    count = split(names, list, " ")
    for (i = 1; i <= count; i++) if (value(list[i]) == "") return 0
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
      rendered = rendered substr(line, 1, RSTART - 1) yaml_escape(value(name))
      line = substr(line, RSTART + RLENGTH)
    }
    print rendered line
  }
  END {
    if (failed) exit 1
    if (depth != 0) { print "render-config: # if-set without # end-if" > "/dev/stderr"; exit 1 }
  }
' "$template" >"$output.tmp"
mv "$output.tmp" "$output"

if [ "$#" -gt 0 ]; then
  exec "$@"
fi
