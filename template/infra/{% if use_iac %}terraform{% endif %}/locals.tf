locals {
  # Every name says which environment: my-service-production (its first node), ...
  name = "${var.project}-${var.environment}"

  # On every resource, so the Cloud Console and `hcloud ... -l` can filter by them.
  labels = {
    project     = var.project
    environment = var.environment
    managed-by  = "terraform"
  }

  # The project's checkout on the server: its scripts/deploy-gate is the deploy key's forced
  # command (infra/cloud-init/user-data.yaml.tftpl).
  deploy_path = "/srv/${var.project}"

  # Docker's apt repository for each image this configuration supports.
  docker_apt = {
    "debian-12"    = { distribution = "debian", suite = "bookworm" }
    "ubuntu-24.04" = { distribution = "ubuntu", suite = "noble" }
  }
}
