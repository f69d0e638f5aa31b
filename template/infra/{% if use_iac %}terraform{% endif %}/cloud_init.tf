# The server's first-boot configuration (infra/cloud-init/), filled in for this environment.
# Only variables and locals here, no resource: it evaluates without the provider.
locals {
  cloud_init_dir = "${path.module}/../cloud-init"

  user_data = templatefile("${local.cloud_init_dir}/user-data.yaml.tftpl", {
    project                 = var.project
    environment             = var.environment
    hostname                = local.name
    deploy_path             = local.deploy_path
    admin_username          = var.admin_username
    admin_ssh_public_keys   = var.admin_ssh_public_keys
    deploy_ssh_public_key   = var.deploy_ssh_public_key
    admin_cidrs             = var.admin_cidrs
    docker_apt_distribution = local.docker_apt[var.image].distribution
    docker_apt_suite        = local.docker_apt[var.image].suite
    docker_apt_key          = file("${local.cloud_init_dir}/docker-archive-keyring.asc")
    provision_script        = file("${local.cloud_init_dir}/provision-server.sh")
  })
}
