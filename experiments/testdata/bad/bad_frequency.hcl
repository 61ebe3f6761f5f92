# Frequency faults and annual figures with every kind of mistake.
experiment "e" {
  duration = "24h"
  currency = ""
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
hosting "h" {
  primary = datacenter.a
  rebuild = "0s"
}
workload "w" {
  peak_concurrency = 0.1
}
region "r" {
  users         = 10
  hosting       = hosting.h
  workload      = workload.w
  downtime_cost = -5
  objectives {
    annual_rto_breach = 1
  }
}
fault "datacenter_fire" "often" {
  every      = "30m"
  datacenter = datacenter.a
}
fault "datacenter_fire" "timed-list" {
  at         = "1h"
  datacenter = [datacenter.a, datacenter.b]
}
fault "power_outage" "backwards" {
  every    = "5y"
  site     = ["s1", "s9"]
  duration = ["4h", "10m"]
}
fault "disk_loss" "no-start" {
  datacenter = datacenter.b
}
fault "disk_loss" "not-a-period" {
  every      = "fifty years"
  datacenter = datacenter.b
}
