# Power cuts every hour on two datacenters: 17,520 a year, more than risk simulates.
experiment "x" {
  duration = "1d"
}
provider "p" {}
datacenter "a" {
  provider = provider.p
  site     = "s"
}
datacenter "b" {
  provider = provider.p
  site     = "t"
}
hosting "h" {
  primary = datacenter.a
}
workload "w" {
  peak_concurrency = 0.1
}
region "r" {
  users    = 10
  hosting  = hosting.h
  workload = workload.w
}
fault "power_outage" "p" {
  every      = "1h"
  datacenter = [datacenter.a, datacenter.b]
  duration   = "1m"
}
