# GitLab.com, 31 January 2017: a real restore from backup, to calibrate the
# restore path against.
#
# docs/INCIDENTS.md ("Database recovery figures") records: restored from a
# 6-hour-old copy, about 18 h of downtime. The source it cites, GitLab's
# post of 1 February 2017 (about.gitlab.com/blog/2017/02/01/
# gitlab-dot-com-database-incident), gives the times used here, all UTC:
#   - database data between 17:20 and 23:25 was lost: "a six-hour-old
#     backup";
#   - the removal of the data directory, run on the primary (db1) instead of
#     the secondary, was stopped at 23:27, too late;
#   - replication to the secondary had stopped at 22:00 and the secondary
#     was being rebuilt: there was no standby to promote;
#   - GitLab.com was back online at 18:14 on 1 February: 18 h 49 min after
#     23:25.
# Everything else below is an assumption, marked as such.
#
# Run it:  firedrill run experiments/gitlab-2017.hcl

experiment "gitlab-2017" {
  description = "GitLab.com's primary database is erased at 23:25 UTC; no standby; restored from a copy taken at 17:20 and back online about 18 h later."
  start       = "2017-01-31T00:00:00Z"
  duration    = "48h" # to 2 February 00:00, past the restore
  seed        = 2017
  time_scale  = 288 # containers driver setting: 48 h in 10 minutes
  scale       = 100 # containers driver setting: one virtual user stands for 100
}

# Assumption: GitLab.com's provider and buildings play no part: the copy
# only has to be somewhere the removal did not reach.
provider "cloud" {}

datacenter "production" {
  provider = provider.cloud
  site     = "production"
}
datacenter "copy" {
  provider = provider.cloud
  site     = "elsewhere"
}

hosting "gitlab-com-2017" {
  primary = datacenter.production
  # No standby: it was being rebuilt when the primary was erased (GitLab).
  #
  # The record gives the total, about 18 h (18 h 49 min by GitLab's times);
  # how it splits is an assumption, and only the sum is calibrated:
  # detection 1 min (the engineer saw his mistake within seconds, GitLab)
  # + 30 min to decide (the team was already at work on the database)
  # + 1 h 30 min to get a machine ready + a slow copy of 300 GB at 5 MB/s
  # (16 h 40 min) = 18 h 41 min. Neither the size nor the rate is in the
  # record: 5 MB/s is what 300 GB in under 17 h takes, far below the
  # record's 30 MB/s pg_restore and 300-500 MiB/s pg_basebackup, which is why
  # the copy is called slow.
  detection         = "1m"
  operator_response = "30m"
  provisioning      = "1h30m"
  restore_rate      = "5MB/s"
  app_replicas      = 4 # assumption: enough for the workload below; capacity plays no part
  backup {
    # The 17:20 copy (GitLab): modeled as a daily schedule whose 17:20 run
    # is the newest before the removal. Where it lived is an assumption.
    every = "24h"
    at    = "17:20"
    to    = datacenter.copy
  }
}

# Assumptions: GitLab.com's traffic in 2017 is not in the record; these set
# how many writes the loss counts, not the loss window or the downtime.
workload "gitlab-com" {
  peak_concurrency     = 0.1
  writes_per_user_hour = 2
}

region "gitlab-com" {
  users     = 100000  # assumption
  data_size = "300GB" # assumption, see the hosting
  hosting   = hosting.gitlab-com-2017
  workload  = workload.gitlab-com
  # Assumption: GitLab published no objectives; these show how far a
  # restore from a 6-hour-old copy is from an ordinary contract.
  objectives {
    rto = "4h"
    rpo = "1h"
  }
}

# The data directory erased on the primary at 23:25 (GitLab: data lost from
# 23:25; the removal stopped at 23:27). disk_loss: the machine runs on, its
# data is gone.
fault "disk_loss" "db1-data-directory-removed" {
  at         = "23h25m"
  datacenter = datacenter.production
}
