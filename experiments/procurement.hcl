# Procurement: five hypothetical hosting offers for one region's ENT, against
# the same scenarios, ranked by what they lose and what they cost.
#
# The scenarios come from the 2021 incidents (docs/INCIDENTS.md; the full
# reconstructions are ovh-sbg-fire-2021.hcl and lockdown-2021-04-06.hcl):
#   - the datacenter holding the primary burns at a random moment of a
#     school week, as OVHcloud's SBG2 did on 10 March 2021; the rest of its
#     site stays powered off for the rest of the week (SBG3 was dark about 9
#     days, SBG4 about 14: OVHcloud press release cpl1789);
#   - on the Tuesday, the first day of a lockdown, as on Tuesday 6 April
#     2021: pupils at home all day, and a morning rush from 7:00 (saturation
#     began between 7:00 and 8:00, La Voix du Nord), shaped as in
#     lockdown-2021-04-06.hcl (assumptions there).
# Each offer's provider gets its own fire, drawn independently, so that
# every offer loses its primary exactly once per trial.
#
# The offers, their sizes and prices are illustrative, not any provider's:
# replace them with the bids you received. Values an offer does not set take
# firedrill's defaults (README), themselves assumptions: detection 5 min,
# operator 1 h, provisioning 30 min, restore at 200 MB/s (between the
# record's 30 MB/s pg_restore and 300-500 MiB/s pg_basebackup).
#
# Run it:  firedrill compare experiments/procurement.hcl --trials 1000
# Or only two offers:
#          firedrill compare experiments/procurement.hcl --hosting offer-a-single-dc,offer-d-sync-standby
#
# The year: every fault also says how often it happens (every), so that
#          firedrill risk experiments/procurement.hcl
# simulates years of fires and power cuts against each offer and ranks the
# offers by cost of ownership: hosting plus the expected cost of downtime
# and lost grades (downtime_cost, lost_write_cost, currency). A fault with
# both at and every is played at its at by run and compare, and drawn from
# its every by risk. Every frequency below is cited or an assumption.

experiment "procurement-grand-est" {
  description = "Which offer keeps Grand Est's ENT up and its grades safe through a fire and a lockdown morning?"
  start       = "2021-03-08T00:00:00+01:00" # a Monday: one school week
  duration    = "168h"
  seed        = 8
  currency    = "EUR"
}

# Assumptions: advertised availability, illustrative.
provider "ovhcloud" {
  availability_sla = 99.95
}
provider "another-provider" {
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
datacenter "other-a" {
  provider = provider.another-provider
  site     = "other-site-a"
}
datacenter "other-b" {
  provider = provider.another-provider
  site     = "other-site-b"
}

# Capacity in the comments below is in units of P, the region's ordinary
# peak: 413,000 x 0.15 = 61,950 users, 4,130 req/s at 4 requests a minute;
# the lockdown morning brings 3 P at 10:00.

# A: the cheapest: one datacenter, nightly backups in the building next door
# on the same site; 22 servers (8,800 req/s, 2.1 P), no admission control.
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

# B: nightly backups to another site, restored by hand; admission control at
# what the servers carry (132,000 users, 2.1 P).
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

# D: synchronous replication and automatic failover, with spare capacity
# (70 servers, 6.8 P).
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

# E: another provider, two sites, async with automatic failover (40 servers,
# 3.9 P).
hosting "offer-e-another-provider" {
  primary      = datacenter.other-a
  standby      = datacenter.other-b
  replication  = "async"
  failover     = "automatic"
  detection    = "2m"
  app_replicas = 40
  max_sessions = 240000
  monthly_cost = 6800
  backup {
    every = "12h"
    to    = datacenter.other-b
  }
}

# An ordinary school week day. Assumptions, as in lockdown-2021-04-06.hcl:
# 15 % of the accounts online at the 10:00 peak, 4 requests a minute, half a
# write per online user per hour.
workload "school-week" {
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

region "grand-est" {
  users     = 413000  # Mon bureau numerique: 413,000 pupils in 841 schools (kosmos-education.com)
  data_size = "413GB" # assumption: about 1 MB of database per account; no ENT published its size
  hosting   = hosting.offer-b-offsite-backups
  workload  = workload.school-week
  # Assumptions: what an hour down and a lost grade cost. An hour of a
  # region's ENT down: 20,000 EUR (teaching time of about 60,000 users
  # online at the peak; Uptime Institute finds 54 % of significant outages
  # cost over $100,000, 2024). A lost grade: 1 EUR, a teacher entering it
  # again.
  downtime_cost   = 20000
  lost_write_cost = 1
  # Assumption: the contract the tender sets; no ENT contract is public.
  # Annual objectives, for risk: 99.9 % over the year, and an incident
  # longer than the RTO, or a loss window longer than the RPO, in at most
  # 1 year in 100.
  objectives {
    rto                 = "4h"
    rpo                 = "1h"
    availability        = 99.5
    annual_availability = 99.9
    annual_rto_breach   = 1
    annual_rpo_breach   = 1
  }
}

# The fire, at a random moment of the week. Simplification: the site's power
# goes with the fire (on 10 March it was cut 2 h 41 min later, at 03:28),
# for 9 days, the sooner of SBG3's and SBG4's returns: past the week.
#
# How often (every, for risk): no published per-site fire rate exists
# (docs/INCIDENTS.md). Uptime Institute counts 11 fires among more than
# 8,000 incidents since 1994, under 0.5 a year across the industry; a
# trade count gives about 1.5 a year. Spread over thousands of sites that
# is rarer than once in 1,000 years per site; the assumption here, once in
# 1,000 years per datacenter, errs on the side of fire.
fault "datacenter_fire" "ovhcloud-primary" {
  at          = ["0h", "160h"]
  every       = "1000y" # assumption, above
  datacenter  = datacenter.sbg2
  site_outage = "9d"
}

fault "datacenter_fire" "another-provider-primary" {
  at         = ["0h", "160h"]
  every      = "1000y" # assumption, above
  datacenter = datacenter.other-a
}

# For risk only: every other datacenter may burn too, each on its own, at
# the same assumed rate, with the rest of its site dark for 9 days (SBG3).
fault "datacenter_fire" "any-other-datacenter" {
  every       = "1000y" # assumption, above
  datacenter  = [datacenter.sbg3, datacenter.rbx1, datacenter.gra1, datacenter.other-b]
  site_outage = "9d"
}

# For risk only: power cuts, the most common cause of serious outages (43 %
# of significant ones, Uptime Institute 2022). About 1 organisation in 5
# has a serious or severe outage in 3 years (Uptime Institute): one every
# 15 years, of which 43 % power, one every 35 years; the assumption applies
# that rate to each site. Each lasts from 30 minutes (AWS FIS's "AZ power
# interruption") to 8 hours (AWS Sydney, 2020), drawn per cut.
fault "power_outage" "site-power" {
  every    = "35y" # derived above from Uptime Institute's figures; per site an assumption
  site     = ["strasbourg", "roubaix", "gravelines", "other-site-a", "other-site-b"]
  duration = ["30m", "8h"]
}

# Tuesday, as 6 April 2021 was: pupils at home all day from 7:00 (x2), and
# the morning rush until 12:30 (x1.5); both assumptions, as in
# lockdown-2021-04-06.hcl.
#
# How often (every, for risk): an assumption, a pandemic-scale school
# closure once in 20 years. risk draws each surge at a random moment of
# the year, independently, so the year view mostly counts hosting
# failures; the lockdown morning itself is compare's scenario.
fault "connection_surge" "lockdown-day" {
  at         = "31h" # Tuesday 07:00
  every      = "20y" # assumption, above
  regions    = [region.grand-est]
  multiplier = 2
  ramp       = "1h"
  hold       = "9h"
}

fault "connection_surge" "morning-rush" {
  at         = "31h"
  every      = "20y" # assumption, above
  regions    = [region.grand-est]
  multiplier = 1.5
  ramp       = "1h"
  hold       = "3h30m"
}
