package model

import (
	"context"
	"testing"
	"time"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
)

const base = `
experiment "t" {
  start    = "2021-03-10T00:00:00+01:00"
  duration = "24h"
}
provider "p" {}
datacenter "a" {
  provider = provider.p
  site     = "s1"
}
datacenter "b" {
  provider = provider.p
  site     = "s2"
}
datacenter "c" {
  provider = provider.p
  site     = "s3"
}
hosting "sync" {
  primary      = datacenter.a
  standby      = datacenter.b
  replication  = "sync"
  failover     = "automatic"
  detection    = "2m"
  app_replicas = 10
  backup {
    every = "24h"
    to    = datacenter.c
  }
}
hosting "lonely" {
  primary      = datacenter.a
  app_replicas = 10
  backup {
    every = "6h"
    to    = datacenter.c
  }
}
workload "w" {
  peak_concurrency     = 0.1
  writes_per_user_hour = 1
}
`

func runOne(t *testing.T, hosting, fault string) engine.RegionResult {
	t.Helper()
	src := base + `
region "r" {
  users     = 100000
  data_size = "100GB"
  hosting   = hosting.` + hosting + `
  workload  = workload.w
}
` + fault
	e, diags := experiments.Parse([]byte(src), "t.hcl", nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	res, err := engine.Run(context.Background(), e, New(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Regions[0]
}

// TestEffects checks what each primitive effect does to one region whose
// capacity (10 x 400 req/s) comfortably exceeds its demand (~667 req/s).
func TestEffects(t *testing.T) {
	for _, tc := range []struct {
		name, hosting, fault string
		recovery             engine.Recovery
		minDown, maxDown     time.Duration
		lost                 bool
	}{
		{"no fault", "sync", "", engine.RecoveryNone, 0, 0, false},
		{"partition blocks sync commits", "sync", `fault "network_partition" "x" {
  at = "2h"
  from = [datacenter.a]
  to = [datacenter.b]
  duration = "30m"
}`, engine.RecoveryNetwork, 30 * time.Minute, 31 * time.Minute, false},
		{"partition elsewhere is harmless", "sync", `fault "network_partition" "x" {
  at = "2h"
  from = [datacenter.c]
  to = [datacenter.b]
  duration = "30m"
}`, engine.RecoveryNone, 0, 0, false},
		{"latency slows sync commits below capacity", "sync", `fault "latency" "x" {
  at = "2h"
  from = [datacenter.a]
  to = [datacenter.b]
  delay = "500ms"
  duration = "1h"
}`, engine.RecoveryNetwork, time.Hour, time.Hour + time.Minute, false},
		{"all app replicas crash", "sync", `fault "process_crash" "x" {
  at = "2h"
  regions = [region.r]
  target = "app"
}`, engine.RecoveryRestart, time.Minute, 2 * time.Minute, false},
		{"one app replica crashes: capacity suffices", "sync", `fault "process_crash" "x" {
  at = "2h"
  regions = [region.r]
  target = "app"
  replicas = 1
}`, engine.RecoveryNone, 0, 0, false},
		{"database crash", "lonely", `fault "process_crash" "x" {
  at = "2h"
  regions = [region.r]
  target = "database"
}`, engine.RecoveryRestart, time.Minute, 2 * time.Minute, false},
		{"disk loss restores the 6-hourly backup", "lonely", `fault "disk_loss" "x" {
  at = "7h"
  datacenter = datacenter.a
}`, engine.RecoveryRestore, 90 * time.Minute, 3 * time.Hour, true},
		{"power outage waits for power", "lonely", `fault "power_outage" "x" {
  at = "2h"
  datacenter = datacenter.a
  duration = "3h"
}`, engine.RecoveryPowerBack, 3 * time.Hour, 3*time.Hour + 2*time.Minute, false},
		{"power outage fails over to sync standby", "sync", `fault "power_outage" "x" {
  at = "2h"
  site = "s1"
  duration = "3h"
}`, engine.RecoveryFailover, 2 * time.Minute, 4 * time.Minute, false},
		{"provider outage takes the standby too", "sync", `fault "provider_outage" "x" {
  at = "2h"
  provider = provider.p
  duration = "1h"
}`, engine.RecoveryPowerBack, time.Hour, time.Hour + 2*time.Minute, false},
		{"unmitigated ddos", "lonely", `fault "ddos" "x" {
  at = "2h"
  regions = [region.r]
  requests_per_second = 20000
  duration = "1h"
}`, engine.RecoveryLoadSubsided, time.Hour, time.Hour + time.Minute, false},
		{"surge within capacity", "lonely", `fault "connection_surge" "x" {
  at = "2h"
  regions = [region.r]
  multiplier = 3
  hold = "1h"
}`, engine.RecoveryNone, 0, 0, false},
		{"surge beyond capacity", "lonely", `fault "connection_surge" "x" {
  at = "2h"
  regions = [region.r]
  multiplier = 10
  hold = "1h"
}`, engine.RecoveryLoadSubsided, time.Hour, time.Hour + time.Minute, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runOne(t, tc.hosting, tc.fault)
			if r.Recovery != tc.recovery {
				t.Errorf("recovery %s, want %s", r.Recovery, tc.recovery)
			}
			if r.Downtime < tc.minDown || r.Downtime > tc.maxDown {
				t.Errorf("downtime %s, want [%s, %s]", r.Downtime, tc.minDown, tc.maxDown)
			}
			if (r.LostWrites > 0) != tc.lost {
				t.Errorf("lost writes %d (window %s)", r.LostWrites, r.DataLoss)
			}
		})
	}
}
