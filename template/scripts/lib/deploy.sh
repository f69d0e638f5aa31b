# shellcheck shell=bash
# One release procedure for scripts/deploy and scripts/rollback (sourced, not run, after
# lib/images.sh).
#
# Every service a release replaces (RELEASED_SERVICES: the API, and the web front end when
# there is one) gets a new container beside its old one. Traefik starts routing to a new
# container once its health check passes; only when every new container is healthy and
# routed are the old ones stopped: each answers 503 on its health check at once (Traefik
# takes it out of the pool) and keeps serving for SHUTDOWN_DELAY_MS before it drains and
# exits. When a new container does not become healthy and routed in time, all new containers
# are removed: the old ones never stopped serving, and the services never mix releases.

# Seconds a new container has to become healthy and routed by Traefik.
DEPLOY_TIMEOUT=${DEPLOY_TIMEOUT:-180}
# Images of this many recent releases stay on the server, for fast rollbacks.
KEEP_RELEASES=${KEEP_RELEASES:-5}
# While a new container's state stays the same, it is shown again this often (s): a slow
# start shows what it waits for, without a line every second.
PROGRESS_EVERY=${PROGRESS_EVERY:-30}
# Longer than SHUTDOWN_DELAY_MS + SHUTDOWN_DRAIN_MS: the old container exits by itself.
STOP_TIMEOUT=${STOP_TIMEOUT:-30}
# Traefik's API, on its container's loopback only (infra/traefik/traefik.yml).
readonly TRAEFIK_SERVICES_API=http://127.0.0.1:8081/api/http/services

FAILURE=
# The new container whose failure FAILURE describes (its log lines are shown).
FAILED_CONTAINER=
# When the release began, and when its new containers started (seconds, for progress lines).
RELEASE_STARTED=$SECONDS
WAIT_STARTED=$SECONDS
# Containers this release started: removed again when it fails.
NEW_CONTAINERS=()

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

# One line of the release log: time, action, tag, ok or failed, why it failed, and the
# registry digest of each service's image (lib/images.sh).
record() {
  local action=$1 tag=$2 result=$3 detail=${4:-}
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$action" "$tag" "$result" \
    "$detail" "$(digests_of_release "$tag")" >>"$STATE_DIR/releases.log"
}

# Tags that went live, oldest first (deploys and rollbacks that succeeded).
live_tags() {
  [[ -f $STATE_DIR/releases.log ]] || return 0
  awk -F'\t' '$4 == "ok" { print $3 }' "$STATE_DIR/releases.log"
}

# The release's image of a service: <SERVICE>_IMAGE from the env file (API_IMAGE, WEB_IMAGE).
image_of() {
  local service=$1 variable image
  variable="$(tr '[:lower:]-' '[:upper:]_' <<<"$service")_IMAGE"
  image=$(env_value "$ENV_FILE" "$variable")
  [[ -n $image ]] || die "$variable is not set in $ENV_FILE (see env/$ENVIRONMENT.env.example)"
  echo "$image"
}

running_containers() {
  server_compose ps --quiet --status running "$1"
}

label_of() {
  docker inspect --format "{{index .Config.Labels \"$2\"}}" "$1"
}

service_of() {
  label_of "$1" com.docker.compose.service
}

health_of() {
  docker inspect --format '{{if .State.Running}}{{if .State.Health}}{{.State.Health.Status}}{{else}}running{{end}}{{else}}{{.State.Status}}{{end}}' "$1"
}

last_health_output() {
  docker inspect --format '{{range .State.Health.Log}}exit {{.ExitCode}} {{printf "%q" .Output}}{{"\n"}}{{end}}' "$1" 2>/dev/null | tail -n 1
}

# http://<address on the edge network>:<port its Traefik labels name>, the URL Traefik
# balances to.
container_url() {
  local id=$1 service address port
  service=$(service_of "$id")
  port=$(label_of "$id" "traefik.http.services.$service.loadbalancer.server.port")
  address=$(docker inspect --format '{{range $name, $net := .NetworkSettings.Networks}}{{$name}} {{$net.IPAddress}}{{"\n"}}{{end}}' "$id" |
    awk '$1 ~ /_edge$/ { print $2 }')
  [[ -n $address && -n $port ]] && echo "http://$address:$port"
}

# Traefik lists the container among its service's servers, and its health check says UP.
routed() {
  local id=$1 url
  url=$(container_url "$id") || return 1
  server_compose exec -T traefik wget -qO- "$TRAEFIK_SERVICES_API/$(service_of "$id")@docker" 2>/dev/null |
    grep -qF "\"$url\":\"UP\""
}

# show_progress SERVICE ID STATE: one line of a new container's progress, with the seconds
# since the release's new containers started (WAIT_STARTED).
show_progress() {
  printf '  %s %s: %s (%ss)\n' "$1" "${2:0:12}" "$3" "$((SECONDS - WAIT_STARTED))"
}

# Wait until every new container is healthy and routed by Traefik; on failure FAILURE says
# why and FAILED_CONTAINER names the container. They are watched together, as they start
# together: each change of a container's state is shown (starting, healthy, routed by
# Traefik, unhealthy), and a state that lasts is shown again every PROGRESS_EVERY seconds.
wait_until_live() {
  local id status state deadline=$((SECONDS + DEPLOY_TIMEOUT)) pending=${#NEW_CONTAINERS[@]}
  local -A service=() shown=() shown_at=() live=()
  for id in "${NEW_CONTAINERS[@]}"; do
    service[$id]=$(service_of "$id")
  done
  while ((pending > 0 && SECONDS < deadline)); do
    for id in "${NEW_CONTAINERS[@]}"; do
      [[ -z ${live[$id]:-} ]] || continue
      status=$(health_of "$id")
      case $status in
        healthy)
          if routed "$id"; then
            show_progress "${service[$id]}" "$id" "healthy and routed by Traefik"
            live[$id]=yes
            pending=$((pending - 1))
            continue
          fi
          state="healthy, waiting for Traefik to route to it"
          ;;
        unhealthy | exited | dead)
          show_progress "${service[$id]}" "$id" "$status"
          FAILED_CONTAINER=$id
          FAILURE="the new ${service[$id]} container is $status (last health check: $(last_health_output "$id"))"
          return 1
          ;;
        *) state=$status ;;
      esac
      if [[ $state != "${shown[$id]:-}" ]]; then
        show_progress "${service[$id]}" "$id" "$state"
        shown[$id]=$state shown_at[$id]=$SECONDS
      elif ((SECONDS - shown_at[$id] >= PROGRESS_EVERY)); then
        show_progress "${service[$id]}" "$id" "still $state"
        shown_at[$id]=$SECONDS
      fi
    done
    ((pending == 0)) || sleep 1
  done
  ((pending > 0)) || return 0
  for id in "${NEW_CONTAINERS[@]}"; do
    [[ -z ${live[$id]:-} ]] || continue
    show_progress "${service[$id]}" "$id" "gave up, still ${shown[$id]:-without a state}"
    if [[ -z ${FAILED_CONTAINER:-} ]]; then
      FAILED_CONTAINER=$id
      FAILURE="the new ${service[$id]} container was not healthy and routed by Traefik after ${DEPLOY_TIMEOUT}s (status: ${shown[$id]:-unknown})"
    fi
  done
  return 1
}

remove_container() {
  docker stop --time "$STOP_TIMEOUT" "$1" >/dev/null
  docker rm "$1" >/dev/null
}

# Remove every container this release started, show the failed one's last log lines ($3),
# log the failure and exit: the containers of the running release were never touched.
fail_release() {
  local action=$1 tag=$2 failed=${3:-} id
  if [[ -n $failed ]]; then
    echo "last log lines of the new $(service_of "$failed") container:" >&2
    docker logs --tail 20 "$failed" >&2 || true
  fi
  for id in "${NEW_CONTAINERS[@]}"; do
    remove_container "$id"
  done
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
    docker image rm "$image:$tag" >/dev/null 2>&1 && echo "removed $image:$tag (an old release)"
  done < <(awk -F'\t' '{ print $3 }' "$STATE_DIR/releases.log" | sort -u)
  return 0
}

# The first release on this server: the whole stack comes up (the role setup, then
# migrations run before the API starts, compose.prod.yaml orders it so).
start_stack() {
  local action=$1 tag=$2 service new
  echo "starting $ENVIRONMENT's stack with $tag (no API was running)"
  # --remove-orphans: containers of services no compose file names any more go (after a
  # template update renamed one, such as the former socket-proxy).
  if ! server_compose up --detach --remove-orphans; then
    FAILURE="docker compose up failed (migrations or a service did not start)"
    fail_release "$action" "$tag"
  fi
  for service in "${RELEASED_SERVICES[@]}"; do
    new=$(running_containers "$service" | head -n 1)
    [[ -n $new ]] || { FAILURE="no $service container is running after compose up"; fail_release "$action" "$tag"; }
    NEW_CONTAINERS+=("$new")
  done
}

# A new container of every released service beside the running ones; RETIRING lists the
# running ones, to stop once the new ones are live.
start_beside_running() {
  local action=$1 tag=$2 service running fresh started=true missing=() scale=()
  RETIRING=()
  for service in "${RELEASED_SERVICES[@]}"; do
    mapfile -t running < <(running_containers "$service")
    RETIRING+=("${running[@]}")
    scale+=(--scale "$service=$((${#running[@]} + 1))")
  done
  echo "starting $tag beside ${#RETIRING[@]} running container(s)"
  # --no-recreate: compose would otherwise replace the old containers (the downtime we avoid).
  server_compose up --detach --no-deps --no-recreate "${scale[@]}" "${RELEASED_SERVICES[@]}" ||
    started=false
  # What compose did start, even when it failed halfway: removed again on failure.
  NEW_CONTAINERS=()
  for service in "${RELEASED_SERVICES[@]}"; do
    mapfile -t fresh < <(running_containers "$service" | grep -vxF -f <(printf '%s\n' "${RETIRING[@]}") || true)
    ((${#fresh[@]})) || missing+=("$service")
    NEW_CONTAINERS+=("${fresh[@]}")
  done
  $started || { FAILURE="docker compose could not start the new containers"; fail_release "$action" "$tag"; }
  ((${#missing[@]} == 0)) || { FAILURE="compose started no new ${missing[*]} container"; fail_release "$action" "$tag"; }
}

# release ACTION TAG [SERVICE=DIGEST...]: ACTION is deploy (runs migrations first) or rollback
# (does not: the schema stays at the newer release, which is why migrations must be backwards
# compatible). With digests, each service's image is exactly that content (lib/images.sh).
release() {
  local action=$1 tag=$2 service id
  shift 2
  RELEASE_STARTED=$SECONDS
  validate_tag "$tag"
  parse_digests "$@"
  decrypt_env_file
  require_env_file
  take_lock
  # Once, from the env file just decrypted: every compose command of this release reads them.
  write_secret_files
  export SECRET_FILES_WRITTEN=$ENV_FILE
  for service in "${RELEASED_SERVICES[@]}"; do
    ensure_image "$(image_of "$service")" "$tag" "${RELEASE_DIGESTS[$service]:-}"
  done
  export API_TAG=$tag
  RETIRING=()

  if [[ -z $(running_containers api) ]]; then
    start_stack "$action" "$tag"
  else
    if [[ $action == deploy ]]; then
      # Idempotent, as the superuser: creates the roles on a database older than them, moves
      # what the superuser owned to the owner role, and applies a rotated role password.
      echo "setting up the database roles (infra/postgres/roles.sql)"
      if ! server_compose run --rm --no-deps db-roles; then
        FAILURE="the database role setup failed"
        fail_release "$action" "$tag"
      fi
      echo "applying migrations of $tag"
      if ! server_compose run --rm --no-deps migrate; then
        FAILURE="migrations failed"
        fail_release "$action" "$tag"
      fi
    fi
    start_beside_running "$action" "$tag"
  fi

  WAIT_STARTED=$SECONDS
  for id in "${NEW_CONTAINERS[@]}"; do
    echo "new $(service_of "$id") container ${id:0:12} ($(container_url "$id")): waiting until it is healthy and routed"
  done
  wait_until_live || fail_release "$action" "$tag" "$FAILED_CONTAINER"
  for id in "${RETIRING[@]}"; do
    echo "$tag is live; retiring $(service_of "$id") container ${id:0:12} ($(container_url "$id"))"
    remove_container "$id"
  done

  echo "$tag" >"$STATE_DIR/current"
  record "$action" "$tag" ok
  for service in "${RELEASED_SERVICES[@]}"; do
    prune_images "$(image_of "$service")"
  done
  echo "$action of $tag to $ENVIRONMENT done in $((SECONDS - RELEASE_STARTED))s"
}
