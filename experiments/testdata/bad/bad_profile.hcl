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
workload "w2" {
  peak_concurrency = 0.2
  profile = { "25:00" = 1, "08:00" = "high" }
}
hosting "h" {
  primary = datacenter.a
}
region "r" {
  users    = 10
  hosting  = hosting.h
  workload = workload.w2
}
