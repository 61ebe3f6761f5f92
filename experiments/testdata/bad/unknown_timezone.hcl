experiment "t" {
  start    = "2021-03-27T00:00:00"
  timezone = "Europe/Pariss"
  duration = "24h"
}
provider "p" {}
datacenter "a" {
  provider = provider.p
  site     = "s1"
}
workload "w" {
  peak_concurrency = 0.1
}
hosting "h" {
  primary = datacenter.a
}
region "r" {
  users    = 10
  hosting  = hosting.h
  workload = workload.w
}
