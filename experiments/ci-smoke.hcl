# CI smoke test for the containers driver: three small regions with
# contrasting hosting choices, and a datacenter fire. It runs end to end on
# real containers in about three minutes:
#
#   firedrill run experiments/ci-smoke.hcl --driver containers
#
# What to expect: "sync" fails over and loses no acknowledged write;
# "async" fails over and may lose the writes its standby had not received;
# "backups" restores last backup into another site and loses the writes
# entered since.

experiment "ci-smoke" {
  description = "Fire in par1: synchronous standby, asynchronous standby, off-site backups only."
  start       = "2021-03-10T08:00:00+01:00"
  duration    = "4h"
  seed        = 1
  time_scale  = 120 # containers driver: 4 h in 2 minutes
  scale       = 5000
}

provider "cloud" {
  availability_sla = 99.9
}

datacenter "par1" {
  provider = provider.cloud
  site     = "paris"
}
datacenter "par2" {
  provider = provider.cloud
  site     = "paris"
}
datacenter "lyo1" {
  provider = provider.cloud
  site     = "lyon"
}

hosting "sync-standby" {
  primary      = datacenter.par1
  standby      = datacenter.lyo1
  replication  = "sync"
  failover     = "automatic"
  detection    = "2m"
  app_replicas = 12
}

hosting "async-standby" {
  primary      = datacenter.par1
  standby      = datacenter.lyo1
  replication  = "async"
  failover     = "automatic"
  detection    = "2m"
  app_replicas = 12
}

hosting "offsite-backups" {
  primary           = datacenter.par1
  operator_response = "15m"
  provisioning      = "10m"
  app_replicas      = 12
  backup {
    every = "30m"
    to    = datacenter.lyo1
  }
}

workload "school-day" {
  peak_concurrency     = 0.15
  writes_per_user_hour = 0.5
}

region "sync" {
  users    = 100000
  hosting  = hosting.sync-standby
  workload = workload.school-day
  objectives {
    rto = "15m"
    rpo = "0s"
  }
}

region "async" {
  users    = 100000
  hosting  = hosting.async-standby
  workload = workload.school-day
  objectives {
    rto = "15m"
    rpo = "5m"
  }
}

region "backups" {
  users    = 100000
  hosting  = hosting.offsite-backups
  workload = workload.school-day
  objectives {
    rto = "4h"
    rpo = "1h"
  }
}

fault "datacenter_fire" "par1" {
  at          = "1h10m"
  datacenter  = datacenter.par1
  site_outage = "2h"
}
