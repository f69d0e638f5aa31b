# The API token comes from the HCLOUD_TOKEN environment variable, and only from there: there
# is no variable for it, so it cannot end up in a tfvars file, a saved plan or git.
provider "hcloud" {}
