resource "hcloud_server" "main" {
  name         = local.name
  server_type  = var.server_type
  location     = var.location
  image        = var.image
  ssh_keys     = [for key in hcloud_ssh_key.admin : key.id]
  firewall_ids = [hcloud_firewall.server.id]
  user_data    = local.user_data
  backups      = var.backups
  labels       = local.labels

  # A protected server cannot be deleted or rebuilt (Hetzner wants both switches equal).
  delete_protection  = var.protection
  rebuild_protection = var.protection
  # An ACPI shutdown first, so containers stop cleanly before a deliberate delete.
  shutdown_before_deletion = true

  public_net {
    ipv4_enabled = true
    ipv4         = one(hcloud_primary_ip.ipv4[*].id)
    ipv6_enabled = true
    ipv6         = one(hcloud_primary_ip.ipv6[*].id)
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
      condition     = length(local.user_data) <= 32768
      error_message = "The cloud-init user data is ${length(local.user_data)} bytes; Hetzner accepts at most 32 KiB."
    }
  }
}
