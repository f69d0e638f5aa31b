# The Terraform and provider versions this configuration is written for. `terraform init`
# records the exact provider build and its checksums in .terraform.lock.hcl: commit it, so
# every plan (yours, a teammate's, CI's) runs the same provider.
terraform {
  required_version = ">= 1.10"

  required_providers {
    hcloud = {
      source  = "hetznercloud/hcloud"
      version = "~> 1.68"
    }
  }
}
