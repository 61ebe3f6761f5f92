experiment "t" {
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
region "zero" {
  users    = 10
  hosting  = hosting.h
  workload = workload.w
  objectives {
    latency_p95 = "0s"
    latency_p99 = "2 seconds"
  }
}
region "inverted" {
  users    = 10
  hosting  = hosting.h
  workload = workload.w
  objectives {
    latency_p95 = "2s"
    latency_p99 = "500ms"
  }
}
