# Recovery on real stacks (TestRecovery): last night's backup, the time a
# restore of data_size takes, and backups after a failover and a restore.
experiment "recovery" {
  start      = "2021-03-10T08:00:00+01:00"
  duration   = "10h"
  time_scale = 200 # 10 h in 3 min
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
datacenter "mrs1" {
  provider = provider.cloud
  site     = "marseille"
}

# Backups once a night at 02:00, in Lyon; 50 GB to restore at 100 MB/s.
hosting "nightly" {
  primary           = datacenter.par1
  detection         = "5m"
  operator_response = "30m"
  provisioning      = "30m"
  restore_rate      = "100MB/s"
  app_replicas      = 1
  replica_rps       = 2500 # 1,000 requests/s at the daily peak: 0.4 x, no users' stream
  backup {
    every = "24h"
    to    = datacenter.lyo1
    at    = "02:00"
  }
}

# Hourly backups in two datacenters: the restore takes the newest (mrs1,
# at :40) into lyo1; both agents must go on backing up the new primary.
hosting "two-backups" {
  primary           = datacenter.par1
  detection         = "5m"
  operator_response = "10m"
  provisioning      = "10m"
  app_replicas      = 1
  replica_rps       = 2500 # 1,000 requests/s at the daily peak: 0.4 x, no users' stream
  backup {
    every = "1h"
    to    = datacenter.lyo1
    at    = "00:20"
  }
  backup {
    every = "1h"
    to    = datacenter.mrs1
    at    = "00:40"
  }
}

# A synchronous standby in lyo1 and hourly backups in mrs1: after the
# failover, mrs1 backs up the promoted standby.
hosting "failover" {
  primary      = datacenter.par1
  standby      = datacenter.lyo1
  replication  = "sync"
  failover     = "automatic"
  detection    = "2m"
  app_replicas = 1
  replica_rps  = 2500 # 1,000 requests/s at the daily peak: 0.4 x, no users' stream
  backup {
    every = "1h"
    to    = datacenter.mrs1
    at    = "00:10"
  }
}

workload "day" {
  peak_concurrency     = 0.15
  writes_per_user_hour = 0.5
}

region "nightly" {
  users     = 100000
  data_size = "50GB"
  hosting   = hosting.nightly
  workload  = workload.day
}
region "two-backups" {
  users    = 100000
  hosting  = hosting.two-backups
  workload = workload.day
}
region "failover" {
  users    = 100000
  hosting  = hosting.failover
  workload = workload.day
}

# 15:00.
fault "datacenter_fire" "par1" {
  at         = "7h"
  datacenter = datacenter.par1
}
