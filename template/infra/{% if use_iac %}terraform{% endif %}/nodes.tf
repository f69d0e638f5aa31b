# The environment's Docker Swarm nodes and their private addresses, from var.managers and
# var.workers. Only locals here, no resource: like cloud_init.tf it evaluates without the
# provider, so the template's tests compute the plan of nodes with the real Terraform.
locals {
  # One private network per environment (each has its own Hetzner project, so ranges never
  # meet). Nodes talk Swarm over it only: Hetzner's firewall guards public interfaces alone,
  # so the host firewall opens the Swarm ports to this subnet (infra/cloud-init/).
  network_range = "10.0.0.0/16"
  subnet_range  = cidrsubnet(local.network_range, 8, 1) # 10.0.1.0/24

  # Fixed addresses, so a node's address never depends on the order Hetzner attaches them:
  # the load balancer .2 (infra/traefik/traefik.yml trusts the PROXY protocol from it alone),
  # managers from .11, workers from .101.
  load_balancer_private_ip = cidrhost(local.subnet_range, 2)

  # Hetzner's network zone of each location: the subnet must be in the servers' zone.
  network_zones = {
    fsn1 = "eu-central"
    nbg1 = "eu-central"
    hel1 = "eu-central"
    ash  = "us-east"
    hil  = "us-west"
    sin  = "ap-southeast"
  }

  # manager-1 is the first manager: it creates the swarm on first boot (the others join it
  # with scripts/join-node), the deploy job runs there, and scripts/deploy labels it the
  # database node. It keeps the environment's plain name, as the one server always had.
  managers = {
    for index in range(1, var.managers + 1) : "manager-${index}" => {
      name       = index == 1 ? local.name : "${local.name}-manager-${index}"
      role       = "manager"
      swarm_role = index == 1 ? "first-manager" : "manager"
      private_ip = cidrhost(local.subnet_range, 10 + index)
    }
  }
  workers = {
    for index in range(1, var.workers + 1) : "worker-${index}" => {
      name       = "${local.name}-worker-${index}"
      role       = "worker"
      swarm_role = "worker"
      private_ip = cidrhost(local.subnet_range, 100 + index)
    }
  }
  nodes         = merge(local.managers, local.workers)
  first_manager = "manager-1"

  # More than one node: a load balancer in front (load_balancer.tf), as Traefik may run on
  # any manager and DNS can name only one address.
  clustered = length(local.nodes) > 1
}
