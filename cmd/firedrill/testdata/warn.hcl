# A valid experiment with one warning: its backups sit beside the primary.
experiment "warn" {
  duration = "1d"
}

provider "p" {}

datacenter "a" {
  provider = provider.p
  site     = "s1"
}

hosting "h" {
  primary = datacenter.a
  backup {
    every = "1d"
    to    = datacenter.a
  }
}

workload "w" {
  peak_concurrency = 0.1
}

region "r" {
  users    = 1000
  hosting  = hosting.h
  workload = workload.w
}
