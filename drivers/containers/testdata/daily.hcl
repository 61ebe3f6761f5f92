# The users' daily demand on real stacks (TestDaily): one region whose
# morning peak is 1.6 x its capacity, one whose peak is 0.7 x, and no
# fault at all: only the daily profile loads them.
#
# Both regions: 25,000 users, 10 % online at the peak = 2,500, 4 requests
# a minute each = 166.7 requests/s at the peak (08:00-09:30), 0.3 of it
# (50 requests/s) at 07:00 and 10:00.
experiment "daily" {
  start      = "2021-04-06T07:00:00+02:00"
  duration   = "3h"
  time_scale = 120 # 3 h in 90 s
  scale      = 100
}
provider "host" {}
datacenter "dc1" {
  provider = provider.host
  site     = "one"
}

# 166.7 / 104 = 1.6 x capacity at the peak; 50 / 104 = 0.48 at 07:00.
hosting "under" {
  primary      = datacenter.dc1
  app_replicas = 1
  replica_rps  = 104
}
# 166.7 / 238 = 0.7 x capacity at the peak.
hosting "control" {
  primary      = datacenter.dc1
  app_replicas = 1
  replica_rps  = 238
}

workload "school" {
  peak_concurrency     = 0.1
  writes_per_user_hour = 0.1
  profile = {
    "07:00" = 0.3
    "08:00" = 1.0
    "09:30" = 1.0
    "10:00" = 0.3
  }
}

region "under" {
  users    = 25000
  hosting  = hosting.under
  workload = workload.school
}
region "control" {
  users    = 25000
  hosting  = hosting.control
  workload = workload.school
}
