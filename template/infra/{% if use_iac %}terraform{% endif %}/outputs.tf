# The address the environment's hosts resolve to: the load balancer's with more than one node,
# else the one server's (load_balancer.tf).
locals {
  entry_ipv4 = local.clustered ? hcloud_load_balancer.edge[0].ipv4 : hcloud_server.node[local.first_manager].ipv4_address
  entry_ipv6 = local.clustered ? hcloud_load_balancer.edge[0].ipv6 : hcloud_server.node[local.first_manager].ipv6_address
}

output "server_name" {
  description = "The first manager's name in the Hetzner Cloud Console (the deploy host)."
  value       = hcloud_server.node[local.first_manager].name
}

output "ipv4_address" {
  description = "The public IPv4 address the environment's hosts point at: the load balancer's with more than one node, else the server's."
  value       = local.entry_ipv4
}

output "ipv6_address" {
  description = "The public IPv6 address the environment's hosts point at: the load balancer's with more than one node, else the server's."
  value       = local.entry_ipv6
}

output "dns_records" {
  description = "The records to create at your DNS provider: an A and an AAAA record per host of this environment."
  value = flatten([
    for host in var.hosts : [
      { name = host, type = "A", value = local.entry_ipv4 },
      { name = host, type = "AAAA", value = local.entry_ipv6 },
    ]
  ])
}

output "nodes" {
  description = "Every node of the swarm: its role, public address (for SSH and scripts/join-node) and private address (what Swarm uses)."
  value = {
    for key, node in local.nodes : key => {
      name       = hcloud_server.node[key].name
      role       = node.swarm_role
      ipv4       = hcloud_server.node[key].ipv4_address
      private_ip = node.private_ip
    }
  }
}

output "admin_ssh" {
  description = "How an admin logs in to the first manager (then sudo)."
  value       = "ssh ${var.admin_username}@${hcloud_server.node[local.first_manager].ipv4_address}"
}

output "deploy_settings" {
  description = "The deploy workflow's settings for this environment: GitHub Environment secrets DEPLOY_HOST and DEPLOY_USER. Deploys run on the first manager, where the database's images are built (docs/runbooks/swarm-nodes.md); the deploy key's forced command there knows the checkout (local.deploy_path)."
  value = {
    DEPLOY_HOST = hcloud_server.node[local.first_manager].ipv4_address
    DEPLOY_USER = "deploy"
  }
}
