locals {
  anywhere = ["0.0.0.0/0", "::/0"]
}

# Hetzner's firewall sits in front of the server, outside it: it also guards the ports Docker
# publishes, which bypass the host's own firewall (ufw, set up the same way by cloud-init).
# Only inbound rules: outbound traffic (package updates, image pulls, ACME) stays open.
resource "hcloud_firewall" "server" {
  name   = local.name
  labels = local.labels

  rule {
    description = "SSH: admins and the deploy job"
    direction   = "in"
    protocol    = "tcp"
    port        = "22"
    source_ips  = var.admin_cidrs
  }

  rule {
    description = "HTTP: ACME challenges, redirect to HTTPS"
    direction   = "in"
    protocol    = "tcp"
    port        = "80"
    source_ips  = local.anywhere
  }

  rule {
    description = "HTTPS"
    direction   = "in"
    protocol    = "tcp"
    port        = "443"
    source_ips  = local.anywhere
  }

  rule {
    description = "ICMP: ping, and the messages path MTU discovery needs"
    direction   = "in"
    protocol    = "icmp"
    source_ips  = local.anywhere
  }
}
