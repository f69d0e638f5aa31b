# shellcheck shell=bash
# --help and unknown options, the same way in every script (sourced, not run). A script's
# usage is its header comment, so the text people read in the file and the one --help prints
# cannot drift apart. Nothing here needs ENVIRONMENT, an env file or any tool beyond bash:
# scripts check their options before they look at the server.

# The running script, as an absolute path: scripts cd to the project before they parse
# their arguments, which would break a relative $0.
USAGE_SCRIPT=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")

# The script's header: the comment lines after the #! line, without shellcheck directives.
print_usage() {
  local line
  {
    IFS= read -r line
    while IFS= read -r line && [[ $line == '#'* ]]; do
      [[ $line == '# shellcheck '* ]] && continue
      line=${line#\#}
      printf '%s\n' "${line# }"
    done
  } <"$USAGE_SCRIPT"
}

# usage: the script's usage on stdout, exit 0 (what --help asked for).
usage() {
  print_usage
  exit 0
}

# usage_error MESSAGE: MESSAGE and the usage on stderr, exit 2 (the command line is wrong).
usage_error() {
  {
    printf 'error: %s\n\n' "$*"
    print_usage
  } >&2
  exit 2
}

# check_options "ACCEPTED" ARG...: -h or --help anywhere prints the usage (exit 0); an
# argument starting with - that is not among the space-separated ACCEPTED options is refused
# (exit 2). Scripts call it first, with the arguments that are theirs (scripts/stack passes
# the rest on to docker), and parse the accepted options themselves.
check_options() {
  local accepted=" $1 " argument
  shift
  for argument; do
    case $argument in
      -h | --help) usage ;;
      -*) [[ $accepted == *" $argument "* ]] || usage_error "unknown option '$argument'" ;;
    esac
  done
}
