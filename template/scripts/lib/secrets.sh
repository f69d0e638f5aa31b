# shellcheck shell=bash
# Helpers shared by the scripts that create and rotate secrets (sourced, not run).

# 32 random bytes as hex: URL-safe, so secrets can sit inside DATABASE_URL unescaped.
random_secret() {
  od -An -tx1 -N32 /dev/urandom | tr -d ' \n'
}

# Print the value of variable $2 in env file $1, or nothing.
env_value() {
  local file=$1 name=$2
  [[ -f $file ]] || return 0
  sed -n "s/^${name}=//p" "$file" | tail -n 1
}

# Every environment has its example file; a name without one is a typo.
require_environment() {
  local environment=$1
  [[ -f env/$environment.env.example ]] ||
    die "unknown environment '$environment': no env/$environment.env.example"
}

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}
