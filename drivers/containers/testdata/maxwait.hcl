# max_wait on real stacks (TestMaxWait): the operator stops waiting for the
# power and restores the newest backup kept elsewhere, or the power comes
# back first and the restore is abandoned.
experiment "max-wait" {
  start      = "2021-03-10T00:00:00+01:00"
  duration   = "8h"
  time_scale = 200 # 8 h in 2.4 min
  scale      = 5000
}
provider "cloud" {}
datacenter "par1" {
  provider = provider.cloud
  site     = "paris"
}
datacenter "par2" {
  provider = provider.cloud
  site     = "paris-2"
}
datacenter "lyo1" {
  provider = provider.cloud
  site     = "lyon"
}

# Hourly backups at :30 into Lyon; the operator gives up after 2 h.
hosting "gives-up" {
  primary           = datacenter.par1
  detection         = "5m"
  operator_response = "15m"
  provisioning      = "10m"
  max_wait          = "2h"
  app_replicas      = 1
  replica_rps       = 2000 # 100,000 x 0.15 x 4/60 = 1,000 req/s: room to spare
  backup {
    every = "1h"
    at    = "00:30"
    to    = datacenter.lyo1
  }
}
hosting "power-back" {
  primary           = datacenter.par2
  detection         = "5m"
  operator_response = "15m"
  provisioning      = "10m"
  max_wait          = "2h"
  app_replicas      = 1
  replica_rps       = 2000 # 100,000 x 0.15 x 4/60 = 1,000 req/s: room to spare
  backup {
    every = "1h"
    at    = "00:30"
    to    = datacenter.lyo1
  }
}

workload "day" {
  peak_concurrency     = 0.15
  writes_per_user_hour = 0.5
}

region "gives-up" {
  users    = 100000
  hosting  = hosting.gives-up
  workload = workload.day
}
region "power-back" {
  users    = 100000
  hosting  = hosting.power-back
  workload = workload.day
}

# 03:00 to 07:00: the operator gives up at 05:00.
fault "power_outage" "par1" {
  at         = "3h"
  datacenter = datacenter.par1
  duration   = "4h"
}
# 03:00 to 05:05: back 5 minutes into the restore.
fault "power_outage" "par2" {
  at         = "3h"
  datacenter = datacenter.par2
  duration   = "2h5m"
}
