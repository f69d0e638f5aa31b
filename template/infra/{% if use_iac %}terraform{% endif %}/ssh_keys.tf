# The admins' keys, registered with Hetzner. A server created with keys gets no root password
# (Hetzner would otherwise e-mail one), and the rescue system accepts the same keys.
# Hetzner refuses a key that its project already holds: give each environment its own
# Hetzner Cloud project (docs/runbooks/provision-a-server.md).
resource "hcloud_ssh_key" "admin" {
  for_each = toset(var.admin_ssh_public_keys)

  name       = "${local.name}-admin-${substr(sha256(each.value), 0, 8)}"
  public_key = each.value
  labels     = local.labels
}
