# The architect's case (issue 22): a hospital group, one region on a sync
# pair, one on backups only, with a partition, a surge, a fire and a power cut.

experiment "hospital-group" {
  description = "A hospital group: one region on a sync pair, one on backups only; fire, partition, power cut and surge."
  start       = "2024-01-08T00:00:00Z"
  duration    = "72h"
  seed        = 7
}
provider "acme" {
  availability_sla = 99.9
}
datacenter "lyon1" {
  provider = provider.acme
  site     = "lyon"
}
datacenter "lyon2" {
  provider = provider.acme
  site     = "lyon"
}
datacenter "paris1" {
  provider = provider.acme
  site     = "paris"
}
datacenter "lille1" {
  provider = provider.acme
  site     = "lille"
}
hosting "sync-pair" {
  primary      = datacenter.lyon1
  standby      = datacenter.paris1
  replication  = "sync"
  failover     = "automatic"
  detection    = "1m"
  app_replicas = 10
  monthly_cost = 5000
  backup {
    every = "6h"
    to    = datacenter.lille1
  }
}
hosting "backups-only" {
  primary      = datacenter.lyon2
  app_replicas = 10
  monthly_cost = 1500
  backup {
    every = "24h"
    at    = "02:00"
    to    = datacenter.lille1
  }
}
workload "clinic" {
  peak_concurrency     = 0.1
  writes_per_user_hour = 1
}
region "north-hospitals" {
  users     = 20000
  data_size = "200GB"
  hosting   = hosting.sync-pair
  workload  = workload.clinic
  objectives {
    rto          = "15m"
    rpo          = "0s"
    availability = 99.9
  }
}
region "south-hospitals" {
  users     = 20000
  data_size = "200GB"
  hosting   = hosting.backups-only
  workload  = workload.clinic
  objectives {
    rto          = "4h"
    rpo          = "24h"
    availability = 99.5
  }
}
fault "network_partition" "paris-cut" {
  at       = "9h40m"
  from     = [datacenter.paris1]
  duration = "30m"
}
fault "connection_surge" "morning" {
  at         = "9h45m"
  regions    = [region.north-hospitals, region.south-hospitals]
  multiplier = 3
  ramp       = "10m"
  hold       = "2h"
}
fault "datacenter_fire" "lyon1" {
  at          = "10h"
  datacenter  = datacenter.lyon1
  site_outage = "2h"
}
fault "power_outage" "paris-power" {
  at       = "30h"
  datacenter = datacenter.paris1
  duration = "2h"
}
