# Every node of the environment's swarm, managers and workers alike (nodes.tf).
resource "hcloud_server" "node" {
  for_each = local.nodes

  name         = each.value.name
  server_type  = var.server_type
  location     = var.location
  image        = var.image
  ssh_keys     = [for key in hcloud_ssh_key.admin : key.id]
  firewall_ids = [hcloud_firewall.server.id]
  user_data    = local.user_data[each.key]
  backups      = var.backups
  # swarm-role: the load balancer's targets are the managers, where Traefik may run.
  labels = merge(local.labels, { swarm-role = each.value.role })

  # A protected server cannot be deleted or rebuilt (Hetzner wants both switches equal).
  delete_protection  = var.protection
  rebuild_protection = var.protection
  # An ACPI shutdown first, so containers stop cleanly before a deliberate delete.
  shutdown_before_deletion = true

  # The primary IPs (keep_ip_addresses) are the first manager's: it is the deploy host, and
  # with one node the address DNS names.
  public_net {
    ipv4_enabled = true
    ipv4         = each.key == local.first_manager ? one(hcloud_primary_ip.ipv4[*].id) : null
    ipv6_enabled = true
    ipv6         = each.key == local.first_manager ? one(hcloud_primary_ip.ipv6[*].id) : null
  }

  lifecycle {
    # Used only when a server is created, and a change would replace the server with its
    # data: a rebuild is a deliberate `-replace` (docs/runbooks/provision-a-server.md).
    ignore_changes = [user_data, image, ssh_keys]

    precondition {
      condition     = terraform.workspace == var.environment
      error_message = "The workspace is \"${terraform.workspace}\", the variables are for ${var.environment}: run `make infra-plan ENVIRONMENT=${var.environment}`, which selects the workspace."
    }

    precondition {
      condition     = length(local.user_data[each.key]) <= 32768
      error_message = "The cloud-init user data of ${each.key} is ${length(local.user_data[each.key])} bytes; Hetzner accepts at most 32 KiB."
    }
  }
}

# The one server of projects made before many nodes was hcloud_server.main: it is the first
# manager now. Without this, Terraform would destroy it (and its database volume) and create
# manager-1 anew; with it, a plan only moves the address in the state. Keep it: a state not
# yet planned with this version still holds the old address.
moved {
  from = hcloud_server.main
  to   = hcloud_server.node["manager-1"]
}
