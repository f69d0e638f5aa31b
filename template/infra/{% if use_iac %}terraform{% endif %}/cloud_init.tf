# Each node's first-boot configuration (infra/cloud-init/), filled in for this environment.
# Only variables and locals here, no resource: it evaluates without the provider.
# Every node boots the same way (Docker, ufw with the Swarm ports open to the private subnet
# only, daemon.json); the first manager alone creates the swarm. The others join it with
# scripts/join-node, which carries the join token from a manager over SSH: a token in the
# user data would sit in Hetzner's metadata service, readable by any process on the node, and
# in Terraform's plans (docs/runbooks/swarm-nodes.md).
locals {
  cloud_init_dir = "${path.module}/../cloud-init"

  user_data = {
    for key, node in local.nodes : key => templatefile("${local.cloud_init_dir}/user-data.yaml.tftpl", {
      project                 = var.project
      environment             = var.environment
      hostname                = node.name
      deploy_path             = local.deploy_path
      admin_username          = var.admin_username
      admin_ssh_public_keys   = var.admin_ssh_public_keys
      deploy_ssh_public_key   = var.deploy_ssh_public_key
      admin_cidrs             = var.admin_cidrs
      swarm_role              = node.swarm_role
      private_ip              = node.private_ip
      private_subnet          = local.subnet_range
      docker_apt_distribution = local.docker_apt[var.image].distribution
      docker_apt_suite        = local.docker_apt[var.image].suite
      docker_apt_key          = file("${local.cloud_init_dir}/docker-archive-keyring.asc")
      provision_script        = file("${local.cloud_init_dir}/provision-server.sh")
    })
  }
}
