# The procurement officer's case (issue 22): the five offers of
# procurement.hcl for two regions, the second with objectives no offer
# meets, so that no offer meets every objective of every region.

#
# Procurement: five hosting offers for one region's ENT, against the same
# scenarios, ranked by what they lose and what they cost.
#
# Scenario, from the 2021 incidents (../shared/BRIEF.md, seeds 000-003):
#   - the datacenter holding the primary burns at a random moment of a
#     school week (OVHcloud SBG2, 10 March 2021), its site powered off for
#     two days;
#   - on Monday at 9:00 every pupil connects at once (6 April 2021).
# Each offer's provider gets its own fire, drawn independently, so that
# every offer loses its primary exactly once per trial.
#
# Prices are illustrative monthly figures for ~800,000 accounts; replace
# them with the bids you received.
#
# Run it:  firedrill compare experiments/procurement.hcl --trials 1000
# Or only two offers:
#          firedrill compare experiments/procurement.hcl --hosting offer-a-single-dc,offer-d-sync-standby

experiment "procurement-two-regions" {
  description = "Which offer keeps Grand Est's ENT up and its grades safe through a fire and a lockdown morning?"
  start       = "2021-03-08T00:00:00+01:00" # a Monday
  duration    = "168h"
  seed        = 8
}

provider "ovhcloud" {
  availability_sla = 99.95
}
provider "outscale" {
  availability_sla = 99.99
}

datacenter "sbg2" {
  provider = provider.ovhcloud
  site     = "strasbourg"
}
datacenter "sbg3" {
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

# A: the cheapest: one datacenter, nightly backups in the building next door.
hosting "offer-a-single-dc" {
  primary      = datacenter.sbg2
  app_replicas = 22
  monthly_cost = 2600
  backup {
    every = "24h"
    at    = "02:00"
    to    = datacenter.sbg3
  }
}

# B: nightly backups to another site, restored by hand.
hosting "offer-b-offsite-backups" {
  primary      = datacenter.sbg2
  app_replicas = 22
  max_sessions = 132000
  monthly_cost = 3100
  backup {
    every = "24h"
    at    = "02:00"
    to    = datacenter.rbx1
  }
}

# C: an asynchronous standby in another site, failover by the on-call team.
hosting "offer-c-async-standby" {
  primary           = datacenter.sbg2
  standby           = datacenter.rbx1
  replication       = "async"
  failover          = "manual"
  operator_response = "45m"
  app_replicas      = 22
  max_sessions      = 132000
  monthly_cost      = 4300
  backup {
    every = "24h"
    at    = "02:00"
    to    = datacenter.gra1
  }
}

# D: synchronous replication and automatic failover, with spare capacity.
hosting "offer-d-sync-standby" {
  primary      = datacenter.sbg2
  standby      = datacenter.rbx1
  replication  = "sync"
  failover     = "automatic"
  detection    = "1m"
  app_replicas = 70
  max_sessions = 420000
  monthly_cost = 7900
  backup {
    every = "6h"
    to    = datacenter.gra1
  }
}

# E: another provider, two sites, async with automatic failover.
hosting "offer-e-outscale" {
  primary      = datacenter.eu-west-2a
  standby      = datacenter.eu-west-2b
  replication  = "async"
  failover     = "automatic"
  detection    = "2m"
  app_replicas = 40
  max_sessions = 240000
  monthly_cost = 6800
  backup {
    every = "12h"
    to    = datacenter.eu-west-2b
  }
}

workload "school-week" {
  peak_concurrency     = 0.15
  writes_per_user_hour = 0.5
  profile = {
    "00:00" = 0.02
    "07:00" = 0.1
    "08:00" = 0.7
    "10:00" = 1.0
    "12:00" = 0.6
    "14:00" = 0.8
    "18:00" = 0.6
    "21:00" = 0.3
    "23:00" = 0.05
  }
}

region "grand-est" {
  users     = 800000
  data_size = "1.5TB"
  hosting   = hosting.offer-b-offsite-backups
  workload  = workload.school-week
  objectives {
    rto          = "4h"
    rpo          = "1h"
    availability = 99.5
  }
}

fault "datacenter_fire" "ovhcloud-primary" {
  at          = ["0h", "160h"]
  datacenter  = datacenter.sbg2
  site_outage = "48h"
}

fault "datacenter_fire" "outscale-primary" {
  at         = ["0h", "160h"]
  datacenter = datacenter.eu-west-2a
}

fault "connection_surge" "monday-morning" {
  at         = "9h"
  regions    = [region.grand-est, region.alsace]
  multiplier = 3
  ramp       = "2m"
  hold       = "2h"
}

region "alsace" {
  users     = 600000
  data_size = "1.2TB"
  hosting   = hosting.offer-b-offsite-backups
  workload  = workload.school-week
  objectives {
    rto          = "1m"
    rpo          = "0s"
    availability = 99.99
  }
}
