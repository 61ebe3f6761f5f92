# A one-hour flood against a small app tier, as a new user would try it:
# 5,000 requests/s of attack traffic against 800 requests/s of app servers,
# with no DDoS protection and with rate limiting at the edge. Compare the
# two drivers with:
#
#   firedrill calibrate experiments/flood-3h.hcl
#
# Unprotected, the real stack stayed down to the end of the horizon (2h)
# where the model had it back when the attack ended (1h): the backlog the
# flood left took 170 s to drain, and the containers driver counted them
# on the compressed clock. It now measures the drain at 1:1: down 1h05m.
# Rate limited, the model served 48.5 % during the flood from a steady
# curve and the real stack 7.2 %, a share that depended on time_scale: its
# queue's wait passes the users' patience 8 wall seconds into the
# overload. The model's collapse is now total and the containers driver
# measures the onset at 1:1: 0 % and 0.1 % (see the README's Calibration
# section).

experiment "flood-3h" {
  description = "A 1-hour flood of 5,000 req/s against an 800 req/s app tier: no protection, then rate limiting."
  start       = "2021-03-10T09:00:00+01:00"
  duration    = "3h"
  seed        = 3
  time_scale  = 120 # containers driver: 3 h in 90 s
}

provider "cloud" {
  availability_sla = 99.9
}

datacenter "par1" {
  provider = provider.cloud
  site     = "paris"
}

hosting "unprotected" {
  primary      = datacenter.par1
  app_replicas = 4
  replica_rps  = 200
}

hosting "rate-limited" {
  primary         = datacenter.par1
  app_replicas    = 4
  replica_rps     = 200
  ddos_protection = "rate_limit"
}

# 50,000 accounts, 15 % online at the peak, 4 requests a minute each:
# 50,000 x 0.15 x 4 / 60 = 500 requests/s, within 800; with rate limiting
# a tenth of the attack (500/s) still passes, and 1,000 / 800 overloads.
workload "school-morning" {
  peak_concurrency     = 0.15
  writes_per_user_hour = 0.3
}

region "unprotected" {
  users    = 50000
  hosting  = hosting.unprotected
  workload = workload.school-morning
  objectives {
    rto = "30m"
  }
}

region "rate-limited" {
  users    = 50000
  hosting  = hosting.rate-limited
  workload = workload.school-morning
  objectives {
    rto = "30m"
  }
}

fault "ddos" "botnet" {
  at                  = "1h"
  regions             = [region.unprotected, region.rate-limited]
  requests_per_second = 5000
  duration            = "1h"
}
