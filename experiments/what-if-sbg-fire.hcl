# What if your ENT had been in Strasbourg on 10 March 2021? The fire of
# ovh-sbg-fire-2021.hcl, exactly as the record tells it, against ten
# contrasting hosting choices: what architects and procurement compare.
#
# Everything about the ENTs here is hypothetical. The regions are not real
# French regions: each is one identical ENT, so that the hosting choice is
# the only difference. The fire is the record's (docs/INCIDENTS.md, sources
# in ovh-sbg-fire-2021.hcl): SBG2 and 4 of SBG1's 12 rooms destroyed from
# 00:47, the site's power cut at 03:28, SBG3 dark about 9 days, SBG4 about
# 14, SBG1 never restarted (its servers back elsewhere after about 17 days).
#
# Run it:     firedrill run experiments/what-if-sbg-fire.hcl
# Vary it:    firedrill run experiments/what-if-sbg-fire.hcl --var backup_every=1h
#             firedrill run experiments/what-if-sbg-fire.hcl --var restore_rate=400MiB/s
# Ranked by downtime, loss and cost (every region is the same ENT, so each
# region's block of rows is the same matrix):
#             firedrill compare experiments/what-if-sbg-fire.hcl

experiment "what-if-sbg-fire" {
  description = "The 10 March 2021 Strasbourg fire against ten hypothetical hosting choices for the same ENT."
  start       = "2021-03-10T00:00:00+01:00"
  duration    = "72h"
  seed        = 2021
  time_scale  = 1440 # containers driver setting: 72 h in 3 minutes
  scale       = 2000 # containers driver setting: one virtual user stands for 2000
}

variable "backup_every" {
  default     = "24h"
  description = "how often backups run (assumption: nightly, the common case in the articles' accounts)"
}

variable "restore_rate" {
  default     = "30MB/s"
  description = "restore throughput: 30MB/s is a logical pg_restore (mckerlie.com), 300-500MiB/s a physical copy (postgres.ai)"
}

# Assumptions for compare: advertised availability, illustrative.
provider "ovhcloud" {
  availability_sla = 99.95
}
provider "another-provider" {
  availability_sla = 99.99
}

# The record's buildings (see ovh-sbg-fire-2021.hcl).
datacenter "sbg1-burned-rooms" {
  provider = provider.ovhcloud
  site     = "strasbourg"
}
datacenter "sbg1" {
  provider = provider.ovhcloud
  site     = "strasbourg"
}
datacenter "sbg2" {
  provider = provider.ovhcloud
  site     = "strasbourg"
}
datacenter "sbg3" {
  provider = provider.ovhcloud
  site     = "strasbourg"
}
datacenter "sbg4" {
  provider = provider.ovhcloud
  site     = "strasbourg"
}
# Other sites of the same provider, untouched by the fire.
datacenter "rbx1" {
  provider = provider.ovhcloud
  site     = "roubaix"
}
datacenter "gra1" {
  provider = provider.ovhcloud
  site     = "gravelines"
}
# Another provider, two sites.
datacenter "other-a" {
  provider = provider.another-provider
  site     = "other-site-a"
}
datacenter "other-b" {
  provider = provider.another-provider
  site     = "other-site-b"
}

# Every hosting that keeps backups restores them at var.restore_rate, so
# that the copy's location is what differs. Every hosting runs 20 app servers: 500,000 accounts x 0.15 x 4 req/min / 60
# = 5,000 req/s at an ordinary peak, against 20 x 400 = 8,000 (assumption:
# 60 % headroom; capacity plays no part in a fire). Monthly costs are
# illustrative, for compare: replace them with real bids.

# Everything in one building, no copy anywhere else.
hosting "single-datacenter" {
  primary      = datacenter.sbg2
  app_replicas = 20
  monthly_cost = 2100
}

# Backups in the same building (Bluepad, Bati Courtage).
hosting "backups-same-building" {
  primary      = datacenter.sbg2
  app_replicas = 20
  monthly_cost = 2200
  restore_rate = var.restore_rate
  backup {
    every = var.backup_every
    at    = "02:00"
    to    = datacenter.sbg2
  }
}

# Backups in the building next door, in the rooms that burned too.
hosting "backups-next-door-burned" {
  primary      = datacenter.sbg2
  app_replicas = 20
  monthly_cost = 2300
  restore_rate = var.restore_rate
  backup {
    every = var.backup_every
    at    = "02:00"
    to    = datacenter.sbg1-burned-rooms
  }
}

# Backups on the same site, in a building that was only powered off: they
# survive, but from the power cut at 03:28 they cannot be reached for about
# 9 days. Only a restore finished before 03:28 gets the ENT back.
hosting "backups-powered-off" {
  primary      = datacenter.sbg2
  app_replicas = 20
  monthly_cost = 2300
  restore_rate = var.restore_rate
  backup {
    every = var.backup_every
    at    = "02:00"
    to    = datacenter.sbg3
  }
}

# A primary in a building that was shut down, not burned: data intact,
# service back when the building is, about 14 days later.
hosting "primary-powered-off" {
  primary      = datacenter.sbg4
  app_replicas = 20
  monthly_cost = 2100
}

# Backups in another site, restored by hand into a new server there.
hosting "offsite-backups" {
  primary      = datacenter.sbg2
  app_replicas = 20
  monthly_cost = 2600
  provisioning = "30m"
  restore_rate = var.restore_rate
  restore_to   = datacenter.rbx1
  backup {
    every = var.backup_every
    at    = "02:00"
    to    = datacenter.rbx1
  }
}

# An asynchronous standby in another site, promoted by the on-call engineer
# (assumption: two hours at night to reach someone who can decide).
hosting "async-standby-manual" {
  primary           = datacenter.sbg2
  standby           = datacenter.rbx1
  replication       = "async"
  failover          = "manual"
  detection         = "5m"
  operator_response = "2h"
  app_replicas      = 20
  monthly_cost      = 4200
  restore_rate      = var.restore_rate
  backup {
    every = var.backup_every
    at    = "02:00"
    to    = datacenter.gra1
  }
}

# The same standby, promoted automatically (Patroni: leader TTL 30 s,
# typical downtime 30-45 s; crunchydata, pigsty.io).
hosting "async-standby-automatic" {
  primary      = datacenter.sbg2
  standby      = datacenter.gra1
  replication  = "async"
  failover     = "automatic"
  detection    = "30s"
  app_replicas = 20
  monthly_cost = 4400
  restore_rate = var.restore_rate
  backup {
    every = var.backup_every
    at    = "02:00"
    to    = datacenter.rbx1
  }
}

# Synchronous replication to another site: a commit waits for the standby.
hosting "sync-standby-automatic" {
  primary      = datacenter.sbg2
  standby      = datacenter.rbx1
  replication  = "sync"
  failover     = "automatic"
  detection    = "30s"
  app_replicas = 20
  monthly_cost = 5200
  restore_rate = var.restore_rate
  backup {
    every = var.backup_every
    at    = "02:00"
    to    = datacenter.gra1
  }
}

# Another provider altogether: the fire does not touch it.
hosting "other-provider" {
  primary      = datacenter.other-a
  standby      = datacenter.other-b
  replication  = "async"
  failover     = "automatic"
  app_replicas = 20
  monthly_cost = 4800
  restore_rate = var.restore_rate
  backup {
    every = var.backup_every
    at    = "02:00"
    to    = datacenter.other-b
  }
}

# An ENT school day. Assumptions, as in ovh-sbg-fire-2021.hcl: 15 % of the
# accounts online at the 10:00 peak, 4 requests a minute, half a write per
# online user per hour.
workload "ent-school-day" {
  peak_concurrency     = 0.15
  writes_per_user_hour = 0.5
  profile = {
    "00:00" = 0.02
    "06:30" = 0.05
    "08:00" = 0.7
    "10:00" = 1.0
    "12:00" = 0.6
    "14:00" = 0.8
    "18:00" = 0.6
    "20:00" = 0.5
    "22:00" = 0.1
  }
}

# One hypothetical ENT per hosting choice, identical otherwise. Assumptions:
# 500,000 accounts (between Grand Est's 413,000 pupils and Hauts-de-France's
# million, docs/INCIDENTS.md), about 1 MB of database per account, and one
# contract for all (no ENT contract is public): back within half a school
# day, at most a day of grades to re-enter, 99.5 % over the period.
region "single-datacenter" {
  users     = 500000
  data_size = "500GB"
  hosting   = hosting.single-datacenter
  workload  = workload.ent-school-day
  objectives {
    rto          = "4h"
    rpo          = "24h"
    availability = 99.5
  }
}

region "backups-same-building" {
  users     = 500000
  data_size = "500GB"
  hosting   = hosting.backups-same-building
  workload  = workload.ent-school-day
  objectives {
    rto          = "4h"
    rpo          = "24h"
    availability = 99.5
  }
}

region "backups-next-door-burned" {
  users     = 500000
  data_size = "500GB"
  hosting   = hosting.backups-next-door-burned
  workload  = workload.ent-school-day
  objectives {
    rto          = "4h"
    rpo          = "24h"
    availability = 99.5
  }
}

region "backups-powered-off" {
  users     = 500000
  data_size = "500GB"
  hosting   = hosting.backups-powered-off
  workload  = workload.ent-school-day
  objectives {
    rto          = "4h"
    rpo          = "24h"
    availability = 99.5
  }
}

region "primary-powered-off" {
  users     = 500000
  data_size = "500GB"
  hosting   = hosting.primary-powered-off
  workload  = workload.ent-school-day
  objectives {
    rto          = "4h"
    rpo          = "24h"
    availability = 99.5
  }
}

region "offsite-backups" {
  users     = 500000
  data_size = "500GB"
  hosting   = hosting.offsite-backups
  workload  = workload.ent-school-day
  objectives {
    rto          = "4h"
    rpo          = "24h"
    availability = 99.5
  }
}

region "async-standby-manual" {
  users     = 500000
  data_size = "500GB"
  hosting   = hosting.async-standby-manual
  workload  = workload.ent-school-day
  objectives {
    rto          = "4h"
    rpo          = "24h"
    availability = 99.5
  }
}

region "async-standby-automatic" {
  users     = 500000
  data_size = "500GB"
  hosting   = hosting.async-standby-automatic
  workload  = workload.ent-school-day
  objectives {
    rto          = "4h"
    rpo          = "24h"
    availability = 99.5
  }
}

region "sync-standby-automatic" {
  users     = 500000
  data_size = "500GB"
  hosting   = hosting.sync-standby-automatic
  workload  = workload.ent-school-day
  objectives {
    rto          = "4h"
    rpo          = "24h"
    availability = 99.5
  }
}

region "other-provider" {
  users     = 500000
  data_size = "500GB"
  hosting   = hosting.other-provider
  workload  = workload.ent-school-day
  objectives {
    rto          = "4h"
    rpo          = "24h"
    availability = 99.5
  }
}

# The record's fire, fault for fault (sources in ovh-sbg-fire-2021.hcl).
fault "datacenter_fire" "sbg2" {
  at         = "47m"
  datacenter = datacenter.sbg2
  spreads_to = [datacenter.sbg1-burned-rooms]
}

fault "power_outage" "strasbourg-site" {
  at       = "3h28m"
  site     = "strasbourg"
  duration = "9d"
}

fault "power_outage" "sbg4-dark" {
  at         = "3h28m"
  datacenter = datacenter.sbg4
  duration   = "14d"
}

fault "power_outage" "sbg1-never-restarted" {
  at         = "3h28m"
  datacenter = datacenter.sbg1
  duration   = "17d"
}
