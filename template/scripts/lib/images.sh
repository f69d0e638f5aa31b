# shellcheck shell=bash
# A release's images, by digest (sourced by lib/deploy.sh, not run).
#
# Anyone who can push to the registry can move a tag; a digest names the content. The deploy
# workflow passes the digest each image was built, scanned and attested with
# (SERVICE=sha256:...); the server pulls exactly that and tags it locally with the release
# tag compose.prod.yaml runs, so what starts is what CI built, whatever the registry's tag
# says by then. The release log keeps each service's digest, and a rollback pulls by it when
# the image was pruned meanwhile.

# Digests given for this release, by service (api, web).
declare -A RELEASE_DIGESTS=()

# parse_digests SERVICE=sha256:HEX...: fill RELEASE_DIGESTS; a service this project does not
# release or a malformed digest is refused by name.
parse_digests() {
  local argument service digest
  for argument; do
    service=${argument%%=*} digest=${argument#*=}
    [[ $argument == *=* && " ${RELEASED_SERVICES[*]} " == *" $service "* ]] ||
      die "'$argument' is not SERVICE=sha256:<64 hex digits> for a released service (${RELEASED_SERVICES[*]})"
    [[ $digest =~ ^sha256:[0-9a-f]{64}$ ]] ||
      die "the digest of $service, '$digest', is not sha256:<64 hex digits>"
    # shellcheck disable=SC2034 # read by release() in lib/deploy.sh
    RELEASE_DIGESTS[$service]=$digest
  done
}

# IMAGE@DIGEST for each registry digest IMAGE:TAG was pulled by, a line each; nothing for an
# image built on this server or not here at all.
repository_digests() {
  local image=$1 tag=$2
  docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$image:$tag" 2>/dev/null || true
}

# The registry digest IMAGE:TAG was pulled by, or nothing (an image built on this server).
pulled_digest() {
  local image=$1 tag=$2
  repository_digests "$image" "$tag" | awk -F@ -v repository="$image" '$1 == repository { print $2; exit }'
}

# True when IMAGE:TAG is here and was pulled as DIGEST.
has_digest() {
  local image=$1 tag=$2 digest=$3
  repository_digests "$image" "$tag" | grep -xF -- "$image@$digest" >/dev/null
}

# ensure_image IMAGE TAG [DIGEST]: IMAGE:TAG is here and, with DIGEST, is exactly that
# content (pulled by digest and tagged TAG here, replacing a local TAG of other content).
ensure_image() {
  local image=$1 tag=$2 digest=${3:-}
  if [[ -z $digest ]]; then
    docker image inspect "$image:$tag" >/dev/null 2>&1 && return 0
    echo "pulling $image:$tag"
    docker pull --quiet "$image:$tag" >/dev/null ||
      die "cannot pull $image:$tag: is the tag pushed, and is this server logged in to the registry?"
    return 0
  fi
  has_digest "$image" "$tag" "$digest" && return 0
  echo "pulling $image@$digest as $tag"
  docker pull --quiet "$image@$digest" >/dev/null ||
    die "cannot pull $image@$digest: was it pushed to this registry, and is this server logged in?"
  docker tag "$image@$digest" "$image:$tag"
}

# The release's digests as the release log keeps them: api=sha256:...,web=sha256:... (a
# service whose image was built here has none).
digests_of_release() {
  local tag=$1 service digest entries=()
  for service in "${RELEASED_SERVICES[@]}"; do
    digest=$(pulled_digest "$(image_of "$service")" "$tag")
    [[ -z $digest ]] || entries+=("$service=$digest")
  done
  local IFS=,
  echo "${entries[*]}"
}

# The digests the release log kept for the last time TAG went live, as SERVICE=DIGEST words.
logged_digests() {
  local tag=$1
  [[ -f $STATE_DIR/releases.log ]] || return 0
  awk -F'\t' -v tag="$tag" '$3 == tag && $4 == "ok" { digests = $6 } END { print digests }' \
    "$STATE_DIR/releases.log" | tr ',' ' '
}
