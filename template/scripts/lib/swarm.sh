# shellcheck shell=bash
# The environment's stack on Docker Swarm (sourced, not run, after lib/server.sh): what
# `docker stack deploy` reads, and how a script waits for Swarm to finish what it asked.

# The swarm must exist before anything is deployed; a new node's first manager labels itself
# for the database (compose.prod.yaml pins PostgreSQL and Redis to that label), and the node
# deploying is the one with the checkout (label checkout=true, on one node only): the services
# that mount files of it (Traefik, the proxies beside it, db-roles, the monitoring servers)
# run there.
require_swarm() {
  local state self node
  state=$(docker info --format '{{.Swarm.LocalNodeState}}')
  [[ $state == active ]] ||
    die "this Docker engine is not part of a swarm (state: ${state:-unknown}): run 'docker swarm init' (cloud-init does on new servers; docs/runbooks/swarm-nodes.md)"
  [[ $(docker info --format '{{.Swarm.ControlAvailable}}') == true ]] ||
    die "this node is not a swarm manager: deploy from a manager (docker node ls lists them)"
  self=$(docker info --format '{{.Swarm.NodeID}}')
  if [[ -z $(docker node ls --quiet --filter node.label=database=true) ]]; then
    echo "no node is labelled database=true: labelling this one, where PostgreSQL's volume will be"
    docker node update --label-add database=true "$self" >/dev/null
  fi
  for node in $(docker node ls --quiet --filter node.label=checkout=true); do
    [[ $node == "$self" ]] && continue
    echo "the checkout moves to this node: the services reading its files follow (docs/runbooks/swarm-nodes.md)"
    docker node update --label-rm checkout "$node" >/dev/null
  done
  docker node update --label-add checkout=true "$self" >/dev/null
}

# Where Traefik's published ports are reached from here: the node the docker commands go to.
# On the server itself (the usual case) that is this machine; with DOCKER_HOST naming a remote
# engine (tcp://node:2376, ssh://user@node), that node: Swarm publishes :80 and :443 on every
# node of the swarm.
edge_address() {
  local remote=${DOCKER_HOST:-}
  if [[ $remote =~ ^(tcp|ssh)://([^@/]*@)?(\[[^]]+\]|[^:/]+) ]]; then
    echo "${BASH_REMATCH[3]}"
  else
    echo 127.0.0.1
  fi
}

# The stack's name: the compose project name, so the volumes keep the names a compose
# deployment of the same environment gave them.
stack_name() {
  local name
  name=$(env_value "$ENV_FILE" COMPOSE_PROJECT_NAME)
  [[ -n $name ]] || die "COMPOSE_PROJECT_NAME is not set in $ENV_FILE (see env/$ENVIRONMENT.env.example)"
  echo "$name"
}

# Every NAME=value of ENV_FILE into this shell's environment, for the stack file's ${NAME}s;
# a variable the caller set already wins (as with `docker compose --env-file`).
export_env_file() {
  local name value
  while IFS= read -r line; do
    [[ $line =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    name=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
    [[ -n ${!name+set} ]] || export "$name=$value"
  done <"$ENV_FILE"
}

# <NAME>_VERSION for each secret file: the stack file names secret NAME NAME-<version>. A
# keyed hash (the key is this server's alone), so a name tells nothing of a weak value.
export_secret_versions() {
  local key=$STATE_DIR/secret-version-key file name
  [[ -s $key ]] || (umask 077 && random_secret >"$key")
  for file in "$SECRETS_DIR"/*; do
    name=${file##*/}
    export "${name}_VERSION=$(cat "$key" "$file" | sha256sum | cut -c1-16)"
  done
}

# <KEY>_CONFIG_VERSION for each Swarm config of the stack files, whose entries read
#     name: <key>-${<KEY>_CONFIG_VERSION:?set_by_scripts_deploy}
#     file: ./path/in/the/checkout
# A hash of the stack's name and the file's content: a changed file makes a new config (Swarm
# never changes one), and two stacks on one swarm never share one.
export_config_versions() {
  local files file line variable='' source
  mapfile -t files < <(stack_files)
  for file in "${files[@]}"; do
    while IFS= read -r line; do
      if [[ $line =~ ^\ {4}name:\ .*\$\{([A-Z0-9_]+_CONFIG_VERSION):\?set_by_scripts_deploy\}$ ]]; then
        variable=${BASH_REMATCH[1]}
      elif [[ -n $variable && $line =~ ^\ {4}file:\ (.+)$ ]]; then
        source=${BASH_REMATCH[1]}
        [[ -f $source ]] || die "$file: the config behind $variable names $source, which this checkout lacks"
        export "$variable=$({ echo "$STACK"; cat "$source"; } | sha256sum | cut -c1-16)"
        variable=''
      fi
    done <"$file"
  done
}

# The stack files of this project, one a line; STACK_FILES from the caller wins (tests add an
# override file), colon-separated like COMPOSE_FILE.
stack_files() {
  tr ':' '\n' <<<"${STACK_FILES:-$STACK_FILES_DEFAULT}"
}

# The stack files as `docker stack deploy` arguments.
stack_file_arguments() {
  local file files
  mapfile -t files < <(stack_files)
  for file in "${files[@]}"; do
    printf -- '--compose-file\0%s\0' "$file"
  done
}

# Build LOCAL_IMAGES (lib/server.sh) from this checkout and export <NAME>_LOCAL_TAG, the image
# id each got: the stack file names that tag, so Swarm updates a service only when its image
# changed. Build arguments (POSTGRES_IMAGE, RESTIC_IMAGE) come from the env file when it sets
# them, else from the Dockerfiles' defaults. A <NAME>_LOCAL_TAG the caller set names an image
# built elsewhere (<prefix>-<name>:<tag> must be on this node): it is used as it is. An
# image no stack file runs is not built.
build_local_images() {
  local entry name dockerfile context id variable files
  mapfile -t files < <(stack_files)
  for entry in "${LOCAL_IMAGES[@]}"; do
    read -r name dockerfile context <<<"$entry"
    # Only an image one of the stack files runs.
    grep -qF -- "$LOCAL_IMAGE_PREFIX-$name:" "${files[@]}" || continue
    variable="$(tr '[:lower:]-' '[:upper:]_' <<<"$name")_LOCAL_TAG"
    if [[ -n ${!variable:-} ]]; then
      docker image inspect "$LOCAL_IMAGE_PREFIX-$name:${!variable}" >/dev/null 2>&1 ||
        die "$variable=${!variable}, but this node has no image $LOCAL_IMAGE_PREFIX-$name:${!variable}"
      continue
    fi
    echo "building $LOCAL_IMAGE_PREFIX-$name from $dockerfile"
    # BuildKit: it reads a Dockerfile's own ignore file (infra/backup/Dockerfile.dockerignore).
    id=$(DOCKER_BUILDKIT=1 docker build --quiet --build-arg POSTGRES_IMAGE --build-arg RESTIC_IMAGE \
      --file "$dockerfile" "$context") || die "the $name image did not build (docker build --file $dockerfile $context)"
    id=${id#sha256:}
    docker tag "$id" "$LOCAL_IMAGE_PREFIX-$name:${id:0:12}"
    export "$variable=${id:0:12}"
  done
}

# deploy_stack: the stack as the stack files describe it with the exported environment.
# Images are the ones on this node (scripts/deploy pulled them by digest), never resolved
# again against the registry, where a tag may have moved.
deploy_stack() {
  local arguments output
  mapfile -d '' -t arguments < <(stack_file_arguments)
  # Its output lists each service it updates; shown only when it fails.
  output=$(docker stack deploy --prune --resolve-image never "${arguments[@]}" "$STACK" 2>&1) ||
    { printf '%s\n' "$output" >&2 && return 1; }
}

# The services of the stack, by their names in the stack file, one a line.
stack_services() {
  docker stack services --format '{{.Name}}' "$STACK" 2>/dev/null | sed "s/^${STACK}_//" | sort
}

# A running task's container of SERVICE on this node, for `docker exec` (none elsewhere).
service_container() {
  docker ps --quiet --filter "label=com.docker.swarm.service.name=${STACK}_$1" | head -n 1
}

# The desired number of tasks of a replicated service.
desired_replicas() {
  docker service inspect --format '{{if .Spec.Mode.Replicated}}{{.Spec.Mode.Replicated.Replicas}}{{else}}0{{end}}' "${STACK}_$1"
}

# update_state SERVICE: Swarm's state of the service's last update (empty for a service
# never updated), its start time and its message, separated by |.
update_state() {
  docker service inspect --format '{{with .UpdateStatus}}{{.State}}|{{.StartedAt}}|{{.Message}}{{else}}||{{end}}' "${STACK}_$1"
}

# The stack's tasks of SERVICE: ID, image, desired state, current state (first words, lower
# case) and error, tab-separated, a line each, newest first.
tasks_of() {
  docker service ps --no-trunc --format '{{.ID}}	{{.Image}}	{{.DesiredState}}	{{.CurrentState}}	{{.Error}}' "${STACK}_$1" 2>/dev/null |
    awk -F'\t' -v OFS='\t' '{ split($3, want, " "); split($4, state, " "); $3 = tolower(want[1]); $4 = tolower(state[1]); print }'
}
