# firedrill calibrate on real stacks (TestCalibrateContainers): a fire in
# par1 at 09:10 under a synchronous standby, an asynchronous standby, last
# night's backup, and, as a negative control, a synchronous standby whose
# promotion the file says takes 20 minutes (the real one takes a second).
experiment "calibrate" {
  start      = "2021-03-10T08:00:00+01:00"
  duration   = "4h"
  seed       = 1
  time_scale = 120 # 4 h in 2 minutes
  scale      = 5000
}
provider "cloud" {}
datacenter "par1" {
  provider = provider.cloud
  site     = "paris"
}
datacenter "lyo1" {
  provider = provider.cloud
  site     = "lyon"
}

hosting "sync" {
  primary      = datacenter.par1
  standby      = datacenter.lyo1
  replication  = "sync"
  failover     = "automatic"
  detection    = "2m"
  app_replicas = 12
}

hosting "async" {
  primary      = datacenter.par1
  standby      = datacenter.lyo1
  replication  = "async"
  failover     = "automatic"
  detection    = "2m"
  app_replicas = 12
}

# Backups once a night at 02:00, in Lyon; 50 GB to restore at 100 MB/s.
hosting "nightly" {
  primary           = datacenter.par1
  detection         = "5m"
  operator_response = "15m"
  provisioning      = "10m"
  restore_rate      = "100MB/s"
  app_replicas      = 12
  backup {
    every = "24h"
    to    = datacenter.lyo1
    at    = "02:00"
  }
}

# The negative control: the same standby as "sync", with a promotion 20
# minutes long that no real pg_ctl promote takes.
hosting "wrong-promotion" {
  primary      = datacenter.par1
  standby      = datacenter.lyo1
  replication  = "sync"
  failover     = "automatic"
  detection    = "2m"
  promotion    = "20m"
  app_replicas = 12
}

workload "day" {
  peak_concurrency     = 0.15
  writes_per_user_hour = 0.5
}

region "sync" {
  users    = 100000
  hosting  = hosting.sync
  workload = workload.day
}
region "async" {
  users    = 100000
  hosting  = hosting.async
  workload = workload.day
}
region "nightly" {
  users     = 100000
  data_size = "50GB"
  hosting   = hosting.nightly
  workload  = workload.day
}
region "wrong-promotion" {
  users    = 100000
  hosting  = hosting.wrong-promotion
  workload = workload.day
}

# 09:10.
fault "datacenter_fire" "par1" {
  at         = "1h10m"
  datacenter = datacenter.par1
}
