# Two offers against one fire, for the CLI's tests. "single" has one
# datacenter and no backup: the fire leaves nothing to recover. "sync" fails
# over to a synchronous standby on another site after detection (1m) and
# promotion (30s): 1m30s of downtime, within the 1h RTO.
experiment "offers" {
  duration = "1d"
}

provider "p" {
  availability_sla = 99.9
}

datacenter "a" {
  provider = provider.p
  site     = "s1"
}

datacenter "b" {
  provider = provider.p
  site     = "s2"
}

hosting "single" {
  primary      = datacenter.a
  monthly_cost = 100
}

hosting "sync" {
  primary      = datacenter.a
  standby      = datacenter.b
  replication  = "sync"
  failover     = "automatic"
  detection    = "1m"
  monthly_cost = 300
}

workload "w" {
  peak_concurrency = 0.1
}

region "r" {
  users    = 1000
  hosting  = hosting.sync
  workload = workload.w
  objectives {
    rto = "1h"
  }
}

fault "datacenter_fire" "a" {
  at         = ["1h", "20h"]
  datacenter = datacenter.a
}
