# Two offers against a fire every 50 years, for risk's CLI tests. "single"
# has one datacenter and no backup: a year with a fire (1 - e^-0.02 = 1.98 %
# of years) loses everything, beyond the 1 % of years the annual objective
# allows. "sync" fails over in 1m30s and passes.
experiment "risk" {
  duration = "1d"
  currency = "EUR"
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
  peak_concurrency     = 0.1
  writes_per_user_hour = 1
}

region "r" {
  users           = 1000
  hosting         = hosting.sync
  workload        = workload.w
  downtime_cost   = 1000
  lost_write_cost = 0.5
  objectives {
    rto               = "1h"
    annual_rto_breach = 1
  }
}

fault "datacenter_fire" "a" {
  every      = "50y"
  datacenter = datacenter.a
}
