# With more than one node, a Hetzner load balancer is the environment's one public address.
# Traefik runs on one manager at a time and publishes :80 and :443 on that node alone (host
# mode, compose.prod.yaml): the load balancer sends every manager the connections, over the
# private network, and its health checks keep only the node where Traefik listens in service.
# When Swarm moves Traefik (a drained or lost manager), traffic follows within seconds and DNS
# never changes. A Floating IP would also stay put, but something on the nodes would have to
# move it to Traefik's node through the Hetzner API, holding a token there: the load balancer
# needs neither. One node has none: DNS names the server itself, as before.
resource "hcloud_load_balancer" "edge" {
  count = local.clustered ? 1 : 0

  name               = local.name
  load_balancer_type = "lb11"
  location           = var.location
  labels             = local.labels
  delete_protection  = var.protection

  algorithm {
    type = "round_robin"
  }
}

resource "hcloud_load_balancer_network" "edge" {
  count = local.clustered ? 1 : 0

  load_balancer_id = hcloud_load_balancer.edge[0].id
  subnet_id        = hcloud_network_subnet.nodes.id
  ip               = local.load_balancer_private_ip
}

# The managers, by label (server.tf), so a manager added later is a target without a change
# here; reached at their private addresses, never through their public ones.
resource "hcloud_load_balancer_target" "managers" {
  count = local.clustered ? 1 : 0

  type             = "label_selector"
  load_balancer_id = hcloud_load_balancer.edge[0].id
  label_selector   = "project=${var.project},environment=${var.environment},swarm-role=manager"
  use_private_ip   = true

  depends_on = [hcloud_load_balancer_network.edge, hcloud_server_network.node]
}

# Plain TCP: TLS ends at Traefik, which holds the certificates (Let's Encrypt's HTTP-01
# challenge comes through port 80 the same way). The PROXY protocol hands Traefik each
# client's own address, which its rate limits, allowlists and access log need; Traefik
# trusts that header from the load balancer's private address only (traefik.yml).
resource "hcloud_load_balancer_service" "edge" {
  for_each = local.clustered ? toset(["80", "443"]) : toset([])

  load_balancer_id = hcloud_load_balancer.edge[0].id
  protocol         = "tcp"
  listen_port      = tonumber(each.key)
  destination_port = tonumber(each.key)
  proxyprotocol    = true

  # A node is in service while it accepts connections on the port: only Traefik's does.
  health_check {
    protocol = "tcp"
    port     = tonumber(each.key)
    interval = 5
    timeout  = 3
    retries  = 2
  }
}
