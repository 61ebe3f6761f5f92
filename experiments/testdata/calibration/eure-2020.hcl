# The 2020 precedent in the Eure, a calibration case for
# experiments/library_test.go (not a library experiment).
#
# docs/INCIDENTS.md ("6 April 2021", 2020 precedent): the collegiens' ENT of
# the Eure saw 15,000 simultaneous users against a capacity of 5,000
# (francebleu.fr, "collegiens de l'Eure"): demand three times capacity.
#
# Assumptions, none in the record:
#   - 30,000 pupils, so that 15,000 simultaneous users is half of them at
#     once; an ordinary peak of 5,000 (a sixth of them), the capacity the
#     ENT was sized for;
#   - the capacity of 5,000 is given in users, so it is modeled as an
#     admission cap of 5,000 sessions with servers that serve them (4 req/min
#     each: 333 req/s, one server of 400 req/s);
#   - the date: the article's is not in the record; the first Monday of the
#     2020 school closures is used;
#   - the rush: the school-closure morning triples the ordinary peak from
#     8:00 to 12:00, with 15-minute ramps.

experiment "eure-2020" {
  description = "The Eure's ENT, 2020: 15,000 simultaneous users against a capacity of 5,000."
  start       = "2020-03-16T00:00:00+01:00"
  duration    = "24h"
  seed        = 2020
}

provider "host" {}

datacenter "dc" {
  provider = provider.host
  site     = "not-published"
}

hosting "capacity-5000" {
  primary      = datacenter.dc
  max_sessions = 5000
  app_replicas = 1
}

# Flat through the school day, so that the peak is the surge's hold.
workload "school-day" {
  peak_concurrency = 5000 / 30000
  profile = {
    "00:00" = 0.05
    "07:00" = 0.05
    "07:30" = 1.0
    "17:00" = 1.0
    "18:00" = 0.05
  }
}

region "eure-colleges" {
  users    = 30000
  hosting  = hosting.capacity-5000
  workload = workload.school-day
  objectives {
    availability = 99
  }
}

fault "connection_surge" "school-closure-morning" {
  at         = "7h45m"
  regions    = [region.eure-colleges]
  multiplier = 3
  ramp       = "15m"
  hold       = "4h"
}
