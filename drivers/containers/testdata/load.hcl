# Capacity-true load on real stacks (TestLoad): a 3x surge against four
# hostings, and a flood against three DDoS protections.
#
# Every region: 25,000 users, 10 % online (flat profile) = 2,500 online,
# 4 requests a minute each = 166.7 requests/s of normal demand.
experiment "load" {
  start      = "2021-04-06T08:00:00+02:00"
  duration   = "2h"
  time_scale = 60 # 2 h in 2 min
  scale      = 100
}
provider "host" {}
datacenter "dc1" {
  provider = provider.host
  site     = "one"
}

# 1 server x 200 requests/s: the normal demand is 83 % of capacity, the
# surge 3 x 166.7 = 500 requests/s, 2.5 x capacity.
hosting "none" {
  primary      = datacenter.dc1
  app_replicas = 1
  replica_rps  = 200
}
# The same, with admission control at what the server holds: 3,000 users
# x 4/60 = 200 requests/s.
hosting "admission" {
  primary      = datacenter.dc1
  app_replicas = 1
  replica_rps  = 200
  max_sessions = 3000
}
# The same, with the edge bounding a request's wait for a worker at 1 s,
# under the users' 2 s patience: it sheds what the server cannot take.
hosting "shedding" {
  primary       = datacenter.dc1
  app_replicas  = 1
  replica_rps   = 200
  queue_timeout = "1s"
}
# Spare capacity for a 3.5x peak: 3.5 x 166.7 = 583 requests/s.
hosting "spare" {
  primary      = datacenter.dc1
  app_replicas = 1
  replica_rps  = 584
}
# Three protections against the same flood, 500 requests/s of attack on a
# 200 requests/s service whose users ask 83 requests/s (half the others).
hosting "flood-none" {
  primary      = datacenter.dc1
  app_replicas = 1
  replica_rps  = 200
}
hosting "flood-rate-limit" {
  primary         = datacenter.dc1
  app_replicas    = 1
  replica_rps     = 200
  ddos_protection = "rate_limit"
}
hosting "flood-scrubbing" {
  primary         = datacenter.dc1
  app_replicas    = 1
  replica_rps     = 200
  ddos_protection = "scrubbing"
}

workload "flat" {
  peak_concurrency     = 0.1
  writes_per_user_hour = 0.1
}
workload "half" {
  peak_concurrency     = 0.05
  writes_per_user_hour = 0.1
}

region "none" {
  users    = 25000
  hosting  = hosting.none
  workload = workload.flat
}
region "admission" {
  users    = 25000
  hosting  = hosting.admission
  workload = workload.flat
}
region "shedding" {
  users    = 25000
  hosting  = hosting.shedding
  workload = workload.flat
}
region "spare" {
  users    = 25000
  hosting  = hosting.spare
  workload = workload.flat
}
region "flood-none" {
  users    = 25000
  hosting  = hosting.flood-none
  workload = workload.half
}
region "flood-rate-limit" {
  users    = 25000
  hosting  = hosting.flood-rate-limit
  workload = workload.half
}
region "flood-scrubbing" {
  users    = 25000
  hosting  = hosting.flood-scrubbing
  workload = workload.half
}

fault "connection_surge" "morning" {
  at         = "30m"
  regions    = [region.none, region.admission, region.shedding, region.spare]
  multiplier = 3
  ramp       = "2m"
  hold       = "10m"
}

fault "ddos" "botnet" {
  at                  = "30m"
  regions             = [region.flood-none, region.flood-rate-limit, region.flood-scrubbing]
  requests_per_second = 500
  duration            = "10m"
}
