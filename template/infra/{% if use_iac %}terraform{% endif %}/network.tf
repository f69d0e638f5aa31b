# The environment's private network: Swarm's control plane (2377/tcp), gossip (7946), the
# overlay networks (4789/udp, ESP for the encrypted ones) and the load balancer's way to the
# nodes. Free at Hetzner, so even one node has it: its swarm then advertises the private
# address from the start, and a second node joins without re-creating the swarm.
resource "hcloud_network" "private" {
  name     = local.name
  ip_range = local.network_range
  labels   = local.labels
}

resource "hcloud_network_subnet" "nodes" {
  network_id   = hcloud_network.private.id
  type         = "cloud"
  network_zone = local.network_zones[var.location]
  ip_range     = local.subnet_range
}

# Every node on the subnet at its fixed address (nodes.tf). A resource of its own rather than
# a network block of the server: attaching a running server changes nothing else about it,
# so a server made before the network is attached in place, never replaced.
resource "hcloud_server_network" "node" {
  for_each = local.nodes

  server_id = hcloud_server.node[each.key].id
  subnet_id = hcloud_network_subnet.nodes.id
  ip        = each.value.private_ip
}
