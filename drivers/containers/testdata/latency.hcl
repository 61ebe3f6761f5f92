# Response time on real stacks (TestLatency): two regions under a flat
# day, no fault, the same demand, one at about half its capacity and one
# at about 95 %. Both hold latency_p95 at 3 x the service time.
#
# Both regions: 24,000 users, 10 % online = 2,400, 4 requests a minute
# each = 160 requests/s all along.
experiment "latency" {
  start      = "2021-04-06T14:00:00+02:00"
  duration   = "2h"
  time_scale = 120 # 2 h in 60 s
  scale      = 100
}
provider "host" {}
datacenter "dc1" {
  provider = provider.host
  site     = "one"
}

# 160 / 300 = 0.53 of capacity.
hosting "half" {
  primary      = datacenter.dc1
  app_replicas = 1
  replica_rps  = 300
}
# 160 / 168 = 0.95 of capacity.
hosting "busy" {
  primary      = datacenter.dc1
  app_replicas = 1
  replica_rps  = 168
}

workload "flat" {
  peak_concurrency     = 0.1
  writes_per_user_hour = 0.1
}

region "half" {
  users    = 24000
  hosting  = hosting.half
  workload = workload.flat
  objectives {
    latency_p95 = "150ms"
  }
}
region "busy" {
  users    = 24000
  hosting  = hosting.busy
  workload = workload.flat
  objectives {
    latency_p95 = "150ms"
  }
}
