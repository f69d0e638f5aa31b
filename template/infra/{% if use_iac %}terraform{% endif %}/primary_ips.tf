# Addresses of their own (keep_ip_addresses = true): they outlive the server, so a rebuilt
# server takes them over and the DNS records stay right. Without them, Hetzner gives the
# server addresses that go away with it.
resource "hcloud_primary_ip" "ipv4" {
  count = var.keep_ip_addresses ? 1 : 0

  name              = "${local.name}-ipv4"
  type              = "ipv4"
  location          = var.location
  auto_delete       = false
  delete_protection = var.protection
  labels            = local.labels
}

resource "hcloud_primary_ip" "ipv6" {
  count = var.keep_ip_addresses ? 1 : 0

  name              = "${local.name}-ipv6"
  type              = "ipv6"
  location          = var.location
  auto_delete       = false
  delete_protection = var.protection
  labels            = local.labels
}
