# shellcheck shell=bash
# One release procedure for scripts/deploy and scripts/rollback (sourced, not run, after
# lib/images.sh and lib/swarm.sh).
#
# A release is one `docker stack deploy` with the new tag: Swarm replaces the tasks of every
# service a release changes (RELEASED_SERVICES: the API, and the web front end when there is
# one) one at a time, the new task first; an old task stops only once its successor passes
# its health check (compose.prod.yaml, x-rolling-update). Before it, the stack is deployed as
# it runs (the running release, with any new secret or setting), the role setup and the
# migrations run once as one-off tasks. A new task that fails makes Swarm roll its service
# back; this script then puts every released service back on the running release, so they
# never mix releases, and exits 1 naming why.

# Seconds Swarm has to finish a release (every new task started and healthy).
DEPLOY_TIMEOUT=${DEPLOY_TIMEOUT:-180}
# Images of this many recent releases stay on the server, for fast rollbacks.
KEEP_RELEASES=${KEEP_RELEASES:-5}
# While a task's state stays the same, it is shown again this often (s).
PROGRESS_EVERY=${PROGRESS_EVERY:-30}
# Seconds a release waits for Traefik to serve TLS for each public host.
CERTIFICATE_WAIT=${CERTIFICATE_WAIT:-120}

FAILURE=
RELEASE_STARTED=$SECONDS
WAIT_STARTED=$SECONDS

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

# The name of a released service's setting: setting_of web HOST -> WEB_HOST.
setting_of() {
  echo "$(tr '[:lower:]-' '[:upper:]_' <<<"$1")_$2"
}

# The release's image of a service: <SERVICE>_IMAGE from the env file (API_IMAGE, WEB_IMAGE).
image_of() {
  local service=$1 variable image
  variable=$(setting_of "$service" IMAGE)
  image=$(env_value "$ENV_FILE" "$variable")
  [[ -n $image ]] || die "$variable is not set in $ENV_FILE (see env/$ENVIRONMENT.env.example)"
  echo "$image"
}

# show_progress SERVICE TASK STATE: one line of a task's progress, with the seconds since
# the stack was deployed (WAIT_STARTED).
show_progress() {
  printf '  %s %s: %s (%ss)\n' "$1" "${2:0:12}" "$3" "$((SECONDS - WAIT_STARTED))"
}

# Before a deploy: each service's last update start and its tasks, to tell a new update
# and new tasks from old ones.
declare -A UPDATE_BEFORE=() TASKS_BEFORE=()
note_services() {
  local service
  UPDATE_BEFORE=() TASKS_BEFORE=()
  for service in $(stack_services); do
    UPDATE_BEFORE[$service]=$(update_state "$service" | cut -d'|' -f2)
    TASKS_BEFORE[$service]=$(tasks_of "$service" | cut -f1 | tr '\n' ' ')
  done
}

# wait_until_converged SERVICE...: every service runs as many tasks as it wants, each
# running, and no update of it is under way. Each new task's state is shown as it changes,
# and one short of running again every PROGRESS_EVERY seconds while it lasts. When Swarm rolls a service back (a
# new task failed), FAILURE says why and the status is 1; so it is after DEPLOY_TIMEOUT.
wait_until_converged() {
  local service tasks id image state error update started message running wanted
  local deadline=$((SECONDS + DEPLOY_TIMEOUT))
  local -A shown=() shown_at=() converged=()
  while ((SECONDS < deadline)); do
    local pending=0
    for service; do
      [[ -z ${converged[$service]:-} ]] || continue
      tasks=$(tasks_of "$service")
      while IFS=$'\t' read -r id image _ state error; do
        [[ -n $id && " ${TASKS_BEFORE[$service]:-} " != *" $id "* ]] || continue
        if [[ $state != "${shown[$id]:-}" ]]; then
          show_progress "$service" "$id" "$state${error:+ ($error)}"
          shown[$id]=$state shown_at[$id]=$SECONDS
        elif [[ $state != running ]] && ((SECONDS - shown_at[$id] >= PROGRESS_EVERY)); then
          show_progress "$service" "$id" "still $state"
          shown_at[$id]=$SECONDS
        fi
      done <<<"$tasks"
      IFS='|' read -r update started message <<<"$(update_state "$service")"
      # The state of an update that began before this deploy says nothing about this one.
      [[ -n $started && $started == "${UPDATE_BEFORE[$service]:-}" ]] && update=
      case $update in
        rollback_started | rollback_paused | rollback_completed | paused)
          FAILURE="Swarm rolled $service back to the running release: $(failed_task "$service")${message:+ ($message)}"
          return 1
          ;;
        updating) pending=$((pending + 1)) && continue ;;
      esac
      # Of the tasks Swarm wants running: how many run, and how many should.
      running=$(awk -F'\t' '$3 == "running" && $4 == "running"' <<<"$tasks" | wc -l)
      wanted=$(desired_replicas "$service")
      if [[ $update == completed || -z $update ]] && ((running == wanted)) &&
        [[ -z $(awk -F'\t' '$3 == "running" && $4 != "running"' <<<"$tasks") ]]; then
        converged[$service]=yes
      else
        pending=$((pending + 1))
      fi
    done
    ((pending > 0)) || return 0
    sleep 1
  done
  FAILURE="Swarm did not finish the release within ${DEPLOY_TIMEOUT}s"
  return 1
}

# The newest failed task of SERVICE and why it failed, for FAILURE.
failed_task() {
  local id image state error
  while IFS=$'\t' read -r id image _ state error; do
    if [[ $state == failed || $state == rejected || -n $error ]]; then
      echo "its new task ${id:0:12} ($image) $state${error:+: $error}"
      return 0
    fi
  done < <(tasks_of "$1")
  echo "a new task failed"
}

# run_once SERVICE TAG: the stack's one-off SERVICE (db-roles, migrate) runs one task with
# TAG's image and waits for it to end; its output is shown when it fails.
run_once() {
  local service=$1 tag=$2 before id state error image
  before=$(tasks_of "$service" | cut -f1)
  image=$(docker service inspect --format '{{.Spec.TaskTemplate.ContainerSpec.Image}}' "${STACK}_$service")
  [[ $service != migrate ]] || image="${image%:*}:$tag"
  docker service update --quiet --detach --no-resolve-image --image "$image" --replicas 1 \
    "${STACK}_$service" >/dev/null
  local deadline=$((SECONDS + DEPLOY_TIMEOUT))
  while ((SECONDS < deadline)); do
    while IFS=$'\t' read -r id image _ state error; do
      grep -qxF -- "$id" <<<"$before" && continue
      case $state in
        complete)
          docker service update --quiet --detach --replicas 0 "${STACK}_$service" >/dev/null
          return 0
          ;;
        failed | rejected | shutdown)
          echo "output of $service:" >&2
          docker service logs --raw "${STACK}_$service" 2>&1 | tail -n 20 >&2
          docker service update --quiet --detach --replicas 0 "${STACK}_$service" >/dev/null
          FAILURE="$service failed${error:+ ($error)}"
          return 1
          ;;
      esac
    done < <(tasks_of "$service")
    sleep 1
  done
  docker service update --quiet --detach --replicas 0 "${STACK}_$service" >/dev/null
  FAILURE="$service did not end within ${DEPLOY_TIMEOUT}s"
  return 1
}

# Remove the images of releases this server ran or tried, except the last KEEP_RELEASES that
# went live (rollback targets). Images the release log never mentions are left alone.
prune_images() {
  local image=$1 keep tag
  keep=$(live_tags | tac | awk '!seen[$0]++' | head -n "$KEEP_RELEASES")
  while IFS= read -r tag; do
    grep -qxF -- "$tag" <<<"$keep" && continue
    docker image inspect "$image:$tag" >/dev/null 2>&1 || continue
    # Swarm keeps the stopped containers of a few past tasks; those of this release go first.
    docker ps --all --quiet --filter "ancestor=$image:$tag" --filter status=exited \
      --filter status=created --filter status=dead | xargs --no-run-if-empty docker rm >/dev/null 2>&1
    docker image rm "$image:$tag" >/dev/null 2>&1 && echo "removed $image:$tag (an old release)"
  done < <(awk -F'\t' '{ print $3 }' "$STATE_DIR/releases.log" | sort -u)
  return 0
}

# deploy_release TAG [NAME=VALUE...]: the stack with TAG's images (and the given settings),
# then wait until Swarm has converged on it.
deploy_release() {
  local tag=$1
  shift
  note_services
  WAIT_STARTED=$SECONDS
  local setting
  if ! (
    export API_TAG="$tag"
    for setting; do export "${setting?}"; done
    deploy_stack
  ); then
    FAILURE="docker stack deploy refused the stack"
    return 1
  fi
  local services
  mapfile -t services < <(stack_services)
  wait_until_converged "${services[@]}"
}

# Log the failure and exit; the running release (if any) is put back on every released
# service first, so none stays on the failed one.
fail_release() {
  local action=$1 tag=$2 previous=$3 why=$FAILURE
  record "$action" "$tag" failed "$why"
  if [[ -n $previous ]]; then
    echo "putting every service back on $previous"
    deploy_release "$previous" || echo "warning: $FAILURE" >&2
    die "$action of $tag to $ENVIRONMENT failed: $why. $previous keeps serving."
  fi
  deploy_release "$tag" API_REPLICAS=0 WEB_REPLICAS=0 || true
  die "$action of $tag to $ENVIRONMENT failed: $why. No release was live; none is now."
}

# release ACTION TAG [SERVICE=DIGEST...]: ACTION is deploy (runs migrations first) or rollback
# (does not: the schema stays at the newer release, which is why migrations must be backwards
# compatible). With digests, each service's image is exactly that content (lib/images.sh).
release() {
  local action=$1 tag=$2 service previous
  shift 2
  RELEASE_STARTED=$SECONDS
  validate_tag "$tag"
  parse_digests "$@"
  decrypt_env_file
  require_env_file
  take_lock
  for service in "${RELEASED_SERVICES[@]}"; do
    ensure_image "$(image_of "$service")" "$tag" "${RELEASE_DIGESTS[$service]:-}"
  done
  require_swarm
  STACK=$(stack_name)
  write_secret_files
  export_secret_versions
  export_config_versions
  export_env_file
  build_local_images
  previous=$(current_release)
  stack_services | grep -x api >/dev/null || previous=

  # The stack as it runs, with what changed besides the release (a rotated secret, a new
  # setting, a template update): on a new server, everything but the released services.
  if [[ -n $previous ]]; then
    echo "updating $STACK with the running release, $previous"
    deploy_release "$previous" || fail_release "$action" "$tag" "$previous"
  else
    echo "starting $STACK (no release was running)"
    deploy_release "$tag" API_REPLICAS=0 WEB_REPLICAS=0 || fail_release "$action" "$tag" ""
  fi
  if [[ $action == deploy ]]; then
    # Idempotent, as the superuser: creates the roles on a database older than them, moves
    # what the superuser owned to the owner role, and applies a rotated role password.
    echo "setting up the database roles (infra/postgres/roles.sql)"
    run_once db-roles "$tag" || fail_release "$action" "$tag" "$previous"
    echo "applying migrations of $tag"
    run_once migrate "$tag" || fail_release "$action" "$tag" "$previous"
  fi
  echo "releasing $tag"
  deploy_release "$tag" || fail_release "$action" "$tag" "$previous"

  echo "$tag" >"$STATE_DIR/current"
  record "$action" "$tag" ok
  wait_for_certificates
  for service in "${RELEASED_SERVICES[@]}"; do
    prune_images "$(image_of "$service")"
  done
  prune_unused_secrets_and_configs
  echo "$action of $tag to $ENVIRONMENT done in $((SECONDS - RELEASE_STARTED))s"
}

# Each public host of a released service that runs (API_HOST, WEB_HOST; none with
# <SERVICE>_REPLICAS=0) gets a TLS handshake from Traefik. Traefik refuses one (strict SNI)
# until Let's Encrypt has issued the host's certificate, which on a first deploy comes
# seconds to a minute after the host's service does: a deploy that returned at once would
# leave its first visitors refused. A host whose DNS does not point here never gets one:
# after CERTIFICATE_WAIT this warns (the release itself is live).
wait_for_certificates() {
  local service host_setting replicas_setting host address port=${TRAEFIK_HTTPS_PORT:-443}
  local deadline=$((SECONDS + CERTIFICATE_WAIT))
  address=$(edge_address)
  for service in "${RELEASED_SERVICES[@]}"; do
    host_setting=$(setting_of "$service" HOST) replicas_setting=$(setting_of "$service" REPLICAS)
    host=${!host_setting:-}
    [[ -n $host && ${!replicas_setting:-1} != 0 ]] || continue
    # Any HTTP answer will do: only a refused handshake makes curl fail here. The chain is
    # not checked here, only that Traefik holds a certificate for the name.
    until curl --silent --insecure --output /dev/null --max-time 5 \
      --resolve "$host:$port:$address" "https://$host:$port/"; do
      if ((SECONDS >= deadline)); then
        echo "warning: https://$host: Traefik has no certificate for it after ${CERTIFICATE_WAIT}s;" \
          "does its DNS point at this server? (docs/containers-and-edge.md; Traefik's log: bash scripts/stack $ENVIRONMENT logs traefik)" >&2
        continue 2
      fi
      sleep 1
    done
    echo "  https://$host: certificate served ($((SECONDS - RELEASE_STARTED))s)"
  done
}

# Secrets and configs of this stack no service uses any more (earlier versions of a rotated
# secret or a changed file): Swarm refuses to remove one in use, which stays.
prune_unused_secrets_and_configs() {
  local kind object
  for kind in secret config; do
    for object in $(docker "$kind" ls --quiet --filter "label=com.docker.stack.namespace=$STACK"); do
      docker "$kind" rm "$object" >/dev/null 2>&1 || true
    done
  done
}
