experiment "t" {
  duration = "24h"
}
provider "p" {}
datacenter "a" {
  provider = provider.p
  site     = "s1"
}
datacenter "b" {
  provider = provider.p
  site     = "s2"
}
workload "w" {
  peak_concurrency = 0.1
}
hosting "h" {
  primary     = datacenter.a
  standby     = datacenter.a
  replication = "sync"
}
region "r" {
  users    = 10
  hosting  = hosting.h
  workload = workload.w
}
