# A frozen copy for the reports tests: the library under experiments/ changes
# with the stories it tells, these golden files must not.
#
# The OVHcloud Strasbourg fire, 10 March 2021.
#
# Sources (../shared/seeds, digested in BRIEF.md):
#   - Le Monde, 10 March 2021 (seed 000): a fire destroyed SBG2 and damaged
#     SBG1; ENTs hosted there broke the same day (Ile-de-France,
#     Hauts-de-France). The ministry: data "is never stored in a single place",
#     recovering means "giving ourselves time to restore the backups"; a grade
#     "entered last night" could be lost.
#   - OVHcloud statements relayed in seeds 001-003: SBG3 and SBG4 were shut
#     down with their data intact while power was restored.
#
# The thirteen metropolitan regions below are the French regions; the user
# counts are orders of magnitude (pupils, parents and staff of secondary
# schools: "a large region's ENT serves on the order of a million accounts",
# BRIEF.md), not published figures. The hosting choices are deliberately
# contrasting, to show which ones come through a fire: they are not a claim
# about what each region actually ran in 2021.
#
# Run it:  firedrill run experiments/ovh-sbg-fire-2021.hcl
# Vary it: firedrill run experiments/ovh-sbg-fire-2021.hcl --var backup_every=1h

experiment "ovh-sbg-fire-2021" {
  description = "SBG2 burns at 00:47, the fire spreads to SBG1, SBG3 and SBG4 are powered off for three days."
  start       = "2021-03-10T00:00:00+01:00"
  duration    = "72h"
  seed        = 2021
  time_scale  = 1440 # containers driver: 72 h of experiment in 3 minutes
  scale       = 2000 # containers driver: one virtual user stands for 2000
}

variable "backup_every" {
  default     = "24h"
  description = "how often the off-site backups run (daily is the common case in the articles)"
}

provider "ovhcloud" {
  availability_sla = 99.95
}

provider "outscale" {
  availability_sla = 99.99
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
datacenter "rbx1" {
  provider = provider.ovhcloud
  site     = "roubaix"
}
datacenter "gra1" {
  provider = provider.ovhcloud
  site     = "gravelines"
}
datacenter "eu-west-2a" {
  provider = provider.outscale
  site     = "paris-saclay"
}
datacenter "eu-west-2b" {
  provider = provider.outscale
  site     = "paris-pantin"
}

# Everything in one building, no copy anywhere else.
hosting "single-datacenter" {
  primary      = datacenter.sbg2
  app_replicas = 40
  monthly_cost = 2100
}

# Backups, but in the building next door: it burned too.
hosting "backups-same-site" {
  primary      = datacenter.sbg2
  app_replicas = 40
  monthly_cost = 2300
  backup {
    every = var.backup_every
    at    = "02:00"
    to    = datacenter.sbg1
  }
}

# Backups on the same site, in a building that was only powered off.
hosting "backups-powered-off" {
  primary      = datacenter.sbg2
  app_replicas = 40
  monthly_cost = 2300
  backup {
    every = var.backup_every
    at    = "02:00"
    to    = datacenter.sbg3
  }
}

# A primary in a building that was shut down, not burned: data intact,
# service back when the site is.
hosting "primary-powered-off" {
  primary      = datacenter.sbg4
  app_replicas = 40
  monthly_cost = 2100
  backup {
    every = var.backup_every
    at    = "02:00"
    to    = datacenter.sbg4
  }
}

# Daily backups in another site, restored by hand into a new server.
hosting "offsite-backups" {
  primary      = datacenter.sbg2
  app_replicas = 40
  monthly_cost = 2600
  provisioning = "30m"
  restore_rate = "200MB/s"
  backup {
    every = var.backup_every
    at    = "02:00"
    to    = datacenter.rbx1
  }
}

# An asynchronous standby in Roubaix, promoted by the on-call engineer.
hosting "async-standby-manual" {
  primary           = datacenter.sbg2
  standby           = datacenter.rbx1
  replication       = "async"
  failover          = "manual"
  detection         = "5m"
  operator_response = "2h"
  app_replicas      = 40
  monthly_cost      = 4200
  backup {
    every = var.backup_every
    at    = "02:00"
    to    = datacenter.gra1
  }
}

# The same standby, promoted automatically.
hosting "async-standby-automatic" {
  primary      = datacenter.sbg2
  standby      = datacenter.gra1
  replication  = "async"
  failover     = "automatic"
  detection    = "2m"
  app_replicas = 40
  monthly_cost = 4400
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
  detection    = "1m"
  app_replicas = 40
  monthly_cost = 5200
  backup {
    every = var.backup_every
    at    = "02:00"
    to    = datacenter.gra1
  }
}

# Another provider altogether: the fire does not touch it.
hosting "other-provider" {
  primary      = datacenter.eu-west-2a
  standby      = datacenter.eu-west-2b
  replication  = "async"
  failover     = "automatic"
  app_replicas = 40
  monthly_cost = 4800
  backup {
    every = "24h"
    at    = "02:00"
    to    = datacenter.eu-west-2b
  }
}

# A school day, Wednesday profile shape: nearly nobody at night, a morning
# peak, homework and grades in the evening.
workload "school-day" {
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

# The region objectives a typical ENT contract states: back within four
# hours, at most a day of grades to re-enter, 99.5 % over the period.
region "ile-de-france" {
  users     = 1300000
  data_size = "3TB"
  hosting   = hosting.single-datacenter
  workload  = workload.school-day
  objectives {
    rto          = "4h"
    rpo          = "24h"
    availability = 99.5
  }
}

region "hauts-de-france" {
  users     = 750000
  data_size = "1.8TB"
  hosting   = hosting.backups-same-site
  workload  = workload.school-day
  objectives {
    rto          = "4h"
    rpo          = "24h"
    availability = 99.5
  }
}

region "grand-est" {
  users     = 800000
  data_size = "1.5TB"
  hosting   = hosting.backups-powered-off
  workload  = workload.school-day
  objectives {
    rto          = "4h"
    rpo          = "24h"
    availability = 99.5
  }
}

region "bourgogne-franche-comte" {
  users     = 380000
  data_size = "700GB"
  hosting   = hosting.primary-powered-off
  workload  = workload.school-day
  objectives {
    rto          = "4h"
    rpo          = "24h"
    availability = 99.5
  }
}

region "normandie" {
  users     = 450000
  data_size = "900GB"
  hosting   = hosting.offsite-backups
  workload  = workload.school-day
  objectives {
    rto          = "4h"
    rpo          = "24h"
    availability = 99.5
  }
}

region "centre-val-de-loire" {
  users     = 350000
  data_size = "650GB"
  hosting   = hosting.offsite-backups
  workload  = workload.school-day
  objectives {
    rto          = "4h"
    rpo          = "1h" # a stricter contract: daily backups cannot meet it
    availability = 99.5
  }
}

region "occitanie" {
  users     = 800000
  data_size = "1.6TB"
  hosting   = hosting.async-standby-manual
  workload  = workload.school-day
  objectives {
    rto          = "4h"
    rpo          = "5m"
    availability = 99.5
  }
}

region "nouvelle-aquitaine" {
  users     = 820000
  data_size = "1.6TB"
  hosting   = hosting.async-standby-manual
  workload  = workload.school-day
  objectives {
    rto          = "1h" # an operator two hours away cannot meet it
    rpo          = "5m"
    availability = 99.9
  }
}

region "auvergne-rhone-alpes" {
  users     = 1100000
  data_size = "2.2TB"
  hosting   = hosting.async-standby-automatic
  workload  = workload.school-day
  objectives {
    rto          = "15m"
    rpo          = "1m"
    availability = 99.9
  }
}

region "pays-de-la-loire" {
  users     = 520000
  data_size = "1TB"
  hosting   = hosting.async-standby-automatic
  workload  = workload.school-day
  objectives {
    rto = "15m"
    rpo = "0s" # no acknowledged grade may be lost: async cannot promise it
  }
}

region "bretagne" {
  users     = 450000
  data_size = "900GB"
  hosting   = hosting.sync-standby-automatic
  workload  = workload.school-day
  objectives {
    rto          = "15m"
    rpo          = "0s"
    availability = 99.9
  }
}

region "provence-alpes-cote-d-azur" {
  users     = 700000
  data_size = "1.4TB"
  hosting   = hosting.sync-standby-automatic
  workload  = workload.school-day
  objectives {
    rto          = "15m"
    rpo          = "0s"
    availability = 99.9
  }
}

region "corse" {
  users     = 60000
  data_size = "120GB"
  hosting   = hosting.other-provider
  workload  = workload.school-day
  objectives {
    rto          = "15m"
    rpo          = "1m"
    availability = 99.9
  }
}

# 00:47 is when the fire was reported; SBG1 was damaged (here: destroyed, as
# a worst case for what lived in it); SBG3 and SBG4 were shut down with their
# data intact for longer than this experiment's horizon.
fault "datacenter_fire" "sbg2" {
  at          = "47m"
  datacenter  = datacenter.sbg2
  spreads_to  = [datacenter.sbg1]
  site_outage = "72h"
}
