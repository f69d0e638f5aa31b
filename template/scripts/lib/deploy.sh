# shellcheck shell=bash
# One release procedure for scripts/deploy and scripts/rollback (sourced, not run).
#
# The new API container starts beside the old one, Traefik starts routing to it once its
# health check passes, and only then is the old one stopped: it answers 503 on readiness at
# once (Traefik's health check takes it out of the pool) and keeps serving for
# SHUTDOWN_DELAY_MS before it drains and exits. A new container that does not become healthy
# and routed in time is removed; the old one never stopped serving.

# Seconds a new container has to become healthy and routed by Traefik.
DEPLOY_TIMEOUT=${DEPLOY_TIMEOUT:-180}
# Images of this many recent releases stay on the server, for fast rollbacks.
KEEP_RELEASES=${KEEP_RELEASES:-5}
# Longer than SHUTDOWN_DELAY_MS + SHUTDOWN_DRAIN_MS: the old container exits by itself.
STOP_TIMEOUT=${STOP_TIMEOUT:-30}
# Traefik's API, on its container's loopback only (infra/traefik/traefik.yml).
readonly TRAEFIK_API=http://127.0.0.1:8081/api/http/services/api@docker

FAILURE=

# Decrypt env/ENV.env.sops when a key is at hand (SOPS_AGE_KEY from the deploy workflow,
# SOPS_AGE_KEY_FILE, or env/ENV.agekey); otherwise the existing env/ENV.env is used.
decrypt_env_file() {
  [[ -f env/$ENVIRONMENT.env.sops ]] || return 0
  if [[ -n ${SOPS_AGE_KEY:-} || -n ${SOPS_AGE_KEY_FILE:-} || -f env/$ENVIRONMENT.agekey ]]; then
    bash scripts/secrets decrypt "$ENVIRONMENT"
  fi
}

validate_tag() {
  local tag=$1
  [[ $tag =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "'$tag' is not an image tag"
  # A tag that moves cannot be rolled back to: deploy commit SHAs or versions.
  [[ $tag != latest ]] || die "deploy an immutable tag (a commit SHA or a version), not 'latest'"
}

# One deploy at a time on this server, whoever starts it.
take_lock() {
  mkdir -p "$STATE_DIR"
  exec 9>"$STATE_DIR/lock"
  flock --nonblock 9 || die "another deploy of $ENVIRONMENT is running (lock: $STATE_DIR/lock)"
}

record() {
  local action=$1 tag=$2 result=$3 detail=${4:-}
  printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$action" "$tag" "$result" "$detail" \
    >>"$STATE_DIR/releases.log"
}

# Tags that went live, oldest first (deploys and rollbacks that succeeded).
live_tags() {
  [[ -f $STATE_DIR/releases.log ]] || return 0
  awk -F'\t' '$4 == "ok" { print $3 }' "$STATE_DIR/releases.log"
}

ensure_image() {
  local image=$1
  docker image inspect "$image" >/dev/null 2>&1 && return 0
  echo "pulling $image"
  docker pull --quiet "$image" >/dev/null || die "cannot pull $image: is the tag pushed, and is this server logged in to the registry?"
}

running_api_containers() {
  server_compose ps --quiet --status running api
}

health_of() {
  docker inspect --format '{{if .State.Running}}{{if .State.Health}}{{.State.Health.Status}}{{else}}running{{end}}{{else}}{{.State.Status}}{{end}}' "$1"
}

last_health_output() {
  docker inspect --format '{{range .State.Health.Log}}exit {{.ExitCode}} {{printf "%q" .Output}}{{"\n"}}{{end}}' "$1" 2>/dev/null | tail -n 1
}

# http://<address on the edge network>:<port>, the URL Traefik balances to.
container_url() {
  local address
  address=$(docker inspect --format '{{range $name, $net := .NetworkSettings.Networks}}{{$name}} {{$net.IPAddress}}{{"\n"}}{{end}}' "$1" |
    awk '$1 ~ /_edge$/ { print $2 }')
  [[ -n $address ]] && echo "http://$address:$(env_value "$ENV_FILE" PORT)"
}

# Traefik lists the container among the API's servers, and its health check says UP.
routed() {
  local url
  url=$(container_url "$1") || return 1
  server_compose exec -T traefik wget -qO- "$TRAEFIK_API" 2>/dev/null | grep -qF "\"$url\":\"UP\""
}

# Wait until container $1 is healthy and routed; on failure FAILURE says why.
wait_until_live() {
  local id=$1 status=starting deadline=$((SECONDS + DEPLOY_TIMEOUT))
  while ((SECONDS < deadline)); do
    status=$(health_of "$id")
    case $status in
      healthy) routed "$id" && return 0 ;;
      unhealthy | exited | dead)
        FAILURE="the new container is $status (last health check: $(last_health_output "$id"))"
        return 1
        ;;
    esac
    sleep 1
  done
  FAILURE="the new container was not healthy and routed by Traefik after ${DEPLOY_TIMEOUT}s (status: $status)"
  return 1
}

remove_container() {
  docker stop --time "$STOP_TIMEOUT" "$1" >/dev/null
  docker rm "$1" >/dev/null
}

fail_release() {
  local action=$1 tag=$2 new=${3:-}
  if [[ -n $new ]]; then
    echo "last log lines of the new container:" >&2
    docker logs --tail 20 "$new" >&2 || true
    remove_container "$new"
  fi
  record "$action" "$tag" failed "$FAILURE"
  local current
  current=$(current_release)
  die "$action of $tag to $ENVIRONMENT failed: $FAILURE. ${current:+$current keeps serving.}"
}

# Remove the images of releases this server ran or tried, except the last KEEP_RELEASES that
# went live (rollback targets). Images the release log never mentions are left alone.
prune_images() {
  local image=$1 keep tag
  keep=$(live_tags | tac | awk '!seen[$0]++' | head -n "$KEEP_RELEASES")
  while IFS= read -r tag; do
    grep -qxF -- "$tag" <<<"$keep" && continue
    docker image inspect "$image:$tag" >/dev/null 2>&1 || continue
    docker image rm "$image:$tag" >/dev/null 2>&1 && echo "removed the image of old release $tag"
  done < <(awk -F'\t' '{ print $3 }' "$STATE_DIR/releases.log" | sort -u)
  return 0
}

# release ACTION TAG: ACTION is deploy (runs migrations first) or rollback (does not: the
# schema stays at the newer release, which is why migrations must be backwards compatible).
release() {
  local action=$1 tag=$2 image old new
  validate_tag "$tag"
  decrypt_env_file
  require_env_file
  take_lock
  image="$(env_value "$ENV_FILE" API_IMAGE):$tag"
  ensure_image "$image"
  export API_TAG=$tag
  mapfile -t old < <(running_api_containers)

  if ((${#old[@]} == 0)); then
    echo "starting $ENVIRONMENT's stack with $tag (no API was running)"
    if ! server_compose up --detach; then
      FAILURE="docker compose up failed (migrations or a service did not start)"
      fail_release "$action" "$tag"
    fi
    new=$(running_api_containers | head -n 1)
    [[ -n $new ]] || { FAILURE="no API container is running after compose up"; fail_release "$action" "$tag"; }
    wait_until_live "$new" || fail_release "$action" "$tag" "$new"
  else
    if [[ $action == deploy ]]; then
      echo "applying migrations of $tag"
      if ! server_compose run --rm --no-deps migrate; then
        FAILURE="migrations failed"
        fail_release "$action" "$tag"
      fi
    fi
    echo "starting $tag beside ${#old[@]} running container(s)"
    # --no-recreate: compose would otherwise replace the old container (the downtime we avoid).
    server_compose up --detach --no-deps --no-recreate --scale "api=$((${#old[@]} + 1))" api
    new=$(running_api_containers | grep -vxF -f <(printf '%s\n' "${old[@]}") | head -n 1 || true)
    [[ -n $new ]] || { FAILURE="compose started no new API container"; fail_release "$action" "$tag"; }
    echo "new container ${new:0:12} ($(container_url "$new")): waiting until it is healthy and routed"
    wait_until_live "$new" || fail_release "$action" "$tag" "$new"
    local id
    for id in "${old[@]}"; do
      echo "$tag is live; retiring ${id:0:12} ($(container_url "$id"))"
      remove_container "$id"
    done
  fi

  echo "$tag" >"$STATE_DIR/current"
  record "$action" "$tag" ok
  prune_images "${image%:*}"
  echo "$action of $tag to $ENVIRONMENT done"
}
