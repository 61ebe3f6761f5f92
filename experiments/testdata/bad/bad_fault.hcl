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
  primary = datacenter.a
}
region "r" {
  users    = 10
  hosting  = hosting.h
  workload = workload.w
}
fault "datacenter_fire" "x" {
  at          = ["2h", "1h"]
  datacenter  = datacenter.a
  spreads_to  = [datacenter.a]
}
fault "meteor" "y" {
  at = "1h"
}
fault "connection_surge" "z" {
  at         = "30h"
  regions    = [region.r]
  multiplier = 0.5
  hold       = "1h"
}
