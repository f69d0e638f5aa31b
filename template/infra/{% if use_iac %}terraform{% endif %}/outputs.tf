output "server_name" {
  description = "The server's name in the Hetzner Cloud Console."
  value       = hcloud_server.main.name
}

output "ipv4_address" {
  description = "The server's public IPv4 address."
  value       = hcloud_server.main.ipv4_address
}

output "ipv6_address" {
  description = "The server's public IPv6 address."
  value       = hcloud_server.main.ipv6_address
}

output "dns_records" {
  description = "The records to create at your DNS provider: an A and an AAAA record per host of this environment."
  value = flatten([
    for host in var.hosts : [
      { name = host, type = "A", value = hcloud_server.main.ipv4_address },
      { name = host, type = "AAAA", value = hcloud_server.main.ipv6_address },
    ]
  ])
}

output "admin_ssh" {
  description = "How an admin logs in (then sudo)."
  value       = "ssh ${var.admin_username}@${hcloud_server.main.ipv4_address}"
}

output "deploy_settings" {
  description = "The deploy workflow's settings for this environment: GitHub Environment secrets DEPLOY_HOST and DEPLOY_USER. The deploy key's forced command on the server knows the checkout (local.deploy_path)."
  value = {
    DEPLOY_HOST = hcloud_server.main.ipv4_address
    DEPLOY_USER = "deploy"
  }
}
