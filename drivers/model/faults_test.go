package model

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
)

// base is a small world for first-principles figures. Region r (below) has
// 100,000 users, 10 % online all day (a flat profile): 10,000 online, each
// making 4 requests a minute (the default) = 666.67 req/s, and 1 write an
// hour = 10,000 acknowledged writes an hour. 10 app replicas x 400 req/s =
// 4,000 req/s: ample. 100 GB restores at the default 200 MB/s in 500 s =
// 8m20s, after the default 30m provisioning: 38m20s. Defaults otherwise:
// detection 5m, operator_response 1h, promotion 30s, restart 1m.
// Midnight is t0.
const base = `
experiment "t" {
  start    = "2021-03-10T00:00:00+01:00"
  duration = "DURATION"
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
hosting "sync-async-fallback" {
  primary       = datacenter.a
  standby       = datacenter.b
  replication   = "sync"
  sync_fallback = "async"
  failover      = "automatic"
  detection     = "2m"
  app_replicas  = 10
}
hosting "sync6" {
  primary      = datacenter.a
  standby      = datacenter.b
  replication  = "sync"
  failover     = "automatic"
  detection    = "2m"
  app_replicas = 10
  backup {
    every = "6h"
    to    = datacenter.c
  }
}
hosting "async" {
  primary         = datacenter.a
  standby         = datacenter.b
  replication     = "async"
  replication_lag = "10s"
  failover        = "automatic"
  detection       = "2m"
  app_replicas    = 10
}
hosting "lonely" {
  primary      = datacenter.a
  app_replicas = 10
  backup {
    every = "6h"
    to    = datacenter.c
  }
}
hosting "nightly" {
  primary      = datacenter.a
  app_replicas = 10
  backup {
    every = "24h"
    at    = "02:00"
    to    = datacenter.c
  }
}
hosting "rate-limited" {
  primary         = datacenter.a
  app_replicas    = 10
  ddos_protection = "rate_limit"
}
hosting "bare" {
  primary      = datacenter.a
  app_replicas = 10
}
hosting "admission" {
  primary      = datacenter.a
  app_replicas = 10
  max_sessions = 50000
}
hosting "shedding" {
  primary       = datacenter.a
  app_replicas  = 10
  queue_timeout = "1s"
}
hosting "small" {
  primary      = datacenter.a
  app_replicas = 1
  backup {
    every = "6h"
    to    = datacenter.c
  }
}
workload "w" {
  peak_concurrency     = 0.1
  writes_per_user_hour = 1
}
workload "mornings" {
  peak_concurrency     = 0.1
  writes_per_user_hour = 1
  profile = {
    "00:00" = 0.2
    "07:59" = 0.2
    "08:00" = 1
    "10:00" = 1
    "10:01" = 0.2
  }
}
`

type setup struct {
	hosting, workload, start, duration, data string
}

func runOne(t *testing.T, s setup, fault string) engine.RegionResult {
	t.Helper()
	if s.workload == "" {
		s.workload = "w"
	}
	if s.duration == "" {
		s.duration = "24h"
	}
	src := strings.Replace(base, "DURATION", s.duration, 1)
	if s.start != "" {
		src = strings.Replace(src, "2021-03-10T00:00:00+01:00", s.start, 1)
	}
	src += `
region "r" {
  users     = 100000
  data_size = "100GB"
  hosting   = hosting.` + s.hosting + `
  workload  = workload.` + s.workload + `
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

const (
	m = time.Minute
	h = time.Hour
	s = time.Second
)

// TestEffects checks each fault and each recovery path, single and
// compound, against figures worked out by hand from base.
func TestEffects(t *testing.T) {
	for _, tc := range []struct {
		name     string
		setup    setup
		fault    string
		recovery engine.Recovery
		downtime time.Duration // longest fault-caused incident, exact
		window   time.Duration // worst single loss window, exact
		lost     float64       // lost writes, to the write
		acked    float64       // acknowledged writes over the horizon; 0 = unchecked
		allLost  bool
	}{
		// 24h x 10,000 writes an hour.
		{name: "no fault", setup: setup{hosting: "sync"}, recovery: engine.RecoveryNone, acked: 240000},

		// Single faults.
		{name: "all app replicas crash: back after restart", setup: setup{hosting: "sync"}, fault: `fault "process_crash" "x" {
  at = "2h"
  regions = [region.r]
  target = "app"
}`, recovery: engine.RecoveryRestart, downtime: m,
			// 1 minute with nothing served: 240,000 - 10,000/60.
			acked: 240000 - 10000.0/60},
		// 9 x 400 = 3,600 req/s still exceeds 667.
		{name: "one app replica crashes: capacity suffices", setup: setup{hosting: "sync"}, fault: `fault "process_crash" "x" {
  at = "2h"
  regions = [region.r]
  target = "app"
  replicas = 1
}`, recovery: engine.RecoveryNone},
		{name: "database crash: back after restart", setup: setup{hosting: "lonely"}, fault: `fault "process_crash" "x" {
  at = "2h"
  regions = [region.r]
  target = "database"
}`, recovery: engine.RecoveryRestart, downtime: m},
		// Disks lost at 07:00: detected 07:05, operator 08:05, the 06:00
		// backup restored into b (another site; c holds the backups) in
		// 38m20s: back at 08:43:20, 1h43m20s after the loss. 07:00 - 06:00
		// = 1h of writes lost: 10,000.
		{name: "disk loss restores the 6-hourly backup", setup: setup{hosting: "lonely"}, fault: `fault "disk_loss" "x" {
  at = "7h"
  datacenter = datacenter.a
}`, recovery: engine.RecoveryRestore, downtime: h + 43*m + 20*s, window: h, lost: 10000},
		// Power off 02:00-05:00, then restart 1m: 3h01m, data intact.
		{name: "power outage waits for power", setup: setup{hosting: "lonely"}, fault: `fault "power_outage" "x" {
  at = "2h"
  datacenter = datacenter.a
  duration = "3h"
}`, recovery: engine.RecoveryPowerBack, downtime: 3*h + m},
		// Detection 2m + promotion 30s; sync loses nothing.
		{name: "power outage fails over to the sync standby", setup: setup{hosting: "sync"}, fault: `fault "power_outage" "x" {
  at = "2h"
  site = "s1"
  duration = "3h"
}`, recovery: engine.RecoveryFailover, downtime: 2*m + 30*s},
		// Async with a 10s lag: the last 10 s of writes are lost,
		// 10,000 x 10/3600 = 27.78.
		{name: "fire fails over to the async standby", setup: setup{hosting: "async"}, fault: `fault "datacenter_fire" "x" {
  at = "2h"
  datacenter = datacenter.a
}`, recovery: engine.RecoveryFailover, downtime: 2*m + 30*s, window: 10 * s, lost: 10000.0 * 10 / 3600},
		// a, b and c all off 02:00-03:00: no standby to promote; power
		// back at 03:00, restart 1m.
		{name: "provider outage takes the standby too", setup: setup{hosting: "sync"}, fault: `fault "provider_outage" "x" {
  at = "2h"
  provider = provider.p
  duration = "1h"
}`, recovery: engine.RecoveryPowerBack, downtime: h + m},
		// 20,000 attack req/s against 4,000: e^(-2 x 4.17) of capacity.
		{name: "unmitigated ddos", setup: setup{hosting: "lonely"}, fault: `fault "ddos" "x" {
  at = "2h"
  regions = [region.r]
  requests_per_second = 20000
  duration = "1h"
}`, recovery: engine.RecoveryLoadSubsided, downtime: h},
		// rate_limit lets 10 % through: 2,000 + 667 < 4,000.
		{name: "rate-limited ddos", setup: setup{hosting: "rate-limited"}, fault: `fault "ddos" "x" {
  at = "2h"
  regions = [region.r]
  requests_per_second = 20000
  duration = "1h"
}`, recovery: engine.RecoveryNone},
		// 3 x 667 = 2,000 < 4,000.
		{name: "surge within capacity", setup: setup{hosting: "lonely"}, fault: `fault "connection_surge" "x" {
  at = "2h"
  regions = [region.r]
  multiplier = 3
  hold = "1h"
}`, recovery: engine.RecoveryNone},
		{name: "surge beyond capacity", setup: setup{hosting: "lonely"}, fault: `fault "connection_surge" "x" {
  at = "2h"
  regions = [region.r]
  multiplier = 10
  hold = "1h"
}`, recovery: engine.RecoveryLoadSubsided, downtime: h},

		// Synchronous replication.
		// Cut from its standby for 30m, the primary blocks commits (the
		// operator would drop the requirement only at 2m + 1h) and serves
		// reads: 1 request in 240 is a write, 99.6 % succeed, in SLO. No
		// write is acknowledged for 30 minutes: 240,000 - 5,000.
		{name: "partition blocks sync commits, reads go on", setup: setup{hosting: "sync"}, fault: `fault "network_partition" "x" {
  at = "2h"
  from = [datacenter.a]
  to = [datacenter.b]
  duration = "30m"
}`, recovery: engine.RecoveryNone, acked: 235000},
		{name: "partition elsewhere is harmless", setup: setup{hosting: "sync"}, fault: `fault "network_partition" "x" {
  at = "2h"
  from = [datacenter.c]
  to = [datacenter.b]
  duration = "30m"
}`, recovery: engine.RecoveryNone, acked: 240000},
		// 500 ms each way stretches a write's 50 ms by 1 s: capacity
		// 4,000 / (1 + 20/240) = 3,692 req/s, still above 667, and reads
		// are not slowed: nothing out of SLO, nothing lost.
		{name: "latency slows only the commits", setup: setup{hosting: "sync"}, fault: `fault "latency" "x" {
  at = "2h"
  from = [datacenter.a]
  to = [datacenter.b]
  delay = "500ms"
  duration = "1h"
}`, recovery: engine.RecoveryNone, acked: 240000},
		// The standby's datacenter off 02:00-05:00: commits block from 02:00
		// until the operator drops the requirement at 02:00 + 2m + 1h =
		// 03:02. 1h02m without writes: 240,000 - 10,333.33.
		{name: "sync standby down: commits block until the operator acts", setup: setup{hosting: "sync"}, fault: `fault "power_outage" "x" {
  at = "2h"
  datacenter = datacenter.b
  duration = "3h"
}`, recovery: engine.RecoveryNone, acked: 240000 - 10000*62.0/60},
		{name: "sync_fallback async goes on alone", setup: setup{hosting: "sync-async-fallback"}, fault: `fault "power_outage" "x" {
  at = "2h"
  datacenter = datacenter.b
  duration = "3h"
}`, recovery: engine.RecoveryNone, acked: 240000},
		// The standby is off from 02:00 (async fallback: the primary goes on
		// alone), then the primary burns at 04:00 and the standby is back at
		// 05:00: promoted at 05:00 + 30s, it lacks every write since 02:00:
		// a 2h window, 20,000 writes; down 04:00-05:00:30.
		{name: "failover to a standby that missed writes", setup: setup{hosting: "sync-async-fallback"}, fault: `fault "power_outage" "x" {
  at = "2h"
  datacenter = datacenter.b
  duration = "3h"
}
fault "datacenter_fire" "y" {
  at = "4h"
  datacenter = datacenter.a
}`, recovery: engine.RecoveryFailover, downtime: h + 30*s, window: 2 * h, lost: 20000},

		// Compound failures.
		// Fire in a at 02:00: failover to b in 2m30s, nothing lost. Backups
		// every 6h into c go on from b: 06:00 is b's. b burns at 11:00: no
		// standby left; detected 11:02, operator 12:02, the 06:00 backup
		// restored into c (a burned; c is the only one left) in 38m20s:
		// back at 12:40:20, 1h40m20s after. 11:00 - 06:00 = 5h of writes:
		// 50,000.
		{name: "failover, then the new primary burns", setup: setup{hosting: "sync6"}, fault: `fault "datacenter_fire" "x" {
  at = "2h"
  datacenter = datacenter.a
}
fault "datacenter_fire" "y" {
  at = "11h"
  datacenter = datacenter.b
}`, recovery: engine.RecoveryRestore, downtime: h + 40*m + 20*s, window: 5 * h, lost: 50000},
		// Power cut 02:00-02:10, back at 02:11. The fire at 05:00 leaves no
		// copy: detected 05:05, the operator finds nothing at 06:05; every
		// write is lost and the region is down to the horizon: 19h.
		{name: "power cut, then the primary burns with no copy", setup: setup{hosting: "bare"}, fault: `fault "power_outage" "x" {
  at = "2h"
  datacenter = datacenter.a
  duration = "10m"
}
fault "datacenter_fire" "y" {
  at = "5h"
  datacenter = datacenter.a
}`, recovery: engine.RecoveryUnrecoverable, downtime: 19 * h, window: 5 * h, lost: 50000 - 10000*11.0/60, allLost: true},
		// Fire at 01:30: detected 01:35, operator 02:35, the 00:00 backup
		// restored into b in 38m20s: back at 03:13:20 (1h43m20s); 1h30 of
		// writes lost, 15,000. c losing its disks at 40h takes the backups
		// only: the restored primary in b is untouched.
		{name: "a later loss of the backups does not undo a restore", setup: setup{hosting: "lonely", duration: "48h"}, fault: `fault "datacenter_fire" "x" {
  at = "1h30m"
  datacenter = datacenter.a
}
fault "disk_loss" "y" {
  at = "40h"
  datacenter = datacenter.c
}`, recovery: engine.RecoveryRestore, downtime: h + 43*m + 20*s, window: h + 30*m, lost: 15000},

		// Fire at 02:00: detected 02:05, operator 03:05, the 00:00 backup
		// restored into b. b loses power at 03:20, 15m into the 38m20s: the
		// restore starts over in c (the only datacenter left) and is done
		// at 03:58:20: 1h58m20s. 2h of writes lost: 20,000.
		{name: "a restore interrupted starts over elsewhere", setup: setup{hosting: "lonely"}, fault: `fault "datacenter_fire" "x" {
  at = "2h"
  datacenter = datacenter.a
}
fault "power_outage" "y" {
  at = "3h20m"
  datacenter = datacenter.b
  duration = "1h"
}`, recovery: engine.RecoveryRestore, downtime: h + 58*m + 20*s, window: 2 * h, lost: 20000},
		// a is off 05:00-07:00 (back 07:01): the 06:00 backup is skipped, no
		// primary runs. Disks lost at 11:00: the newest backup is 00:00, an
		// 11h window, but nothing was written 05:00-07:01: 10,000 x
		// (11 - 2h01m) = 89,833. The longest incident is the power cut's
		// 2h01m (the restore takes 1h43m20s): the power coming back is the
		// recovery the summary names.
		{name: "backups pause while there is no primary", setup: setup{hosting: "lonely"}, fault: `fault "power_outage" "x" {
  at = "5h"
  datacenter = datacenter.a
  duration = "2h"
}
fault "disk_loss" "y" {
  at = "11h"
  datacenter = datacenter.a
}`, recovery: engine.RecoveryPowerBack, downtime: 2*h + m, window: 11 * h, lost: 10000 * (11 - 121.0/60)},

		// History: the experiment starts at 08:00, backups are daily at
		// 02:00, the fire is at 15:00 (t0 + 7h). Last night's 02:00 backup
		// is restored: 13h of writes lost, 6 of them before t0: 130,000.
		{name: "the loss window reaches back before t0", setup: setup{hosting: "nightly", start: "2021-03-10T08:00:00+01:00"}, fault: `fault "datacenter_fire" "x" {
  at = "7h"
  datacenter = datacenter.a
}`, recovery: engine.RecoveryRestore, downtime: h + 43*m + 20*s, window: 13 * h, lost: 130000},

		// Exact to the second: a fault 17 s into a minute still gives
		// detection 2m + promotion 30s.
		{name: "no one-minute steps", setup: setup{hosting: "sync"}, fault: `fault "datacenter_fire" "x" {
  at = "2h0m17s"
  datacenter = datacenter.a
}`, recovery: engine.RecoveryFailover, downtime: 2*m + 30*s},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runOne(t, tc.setup, tc.fault)
			if r.Recovery != tc.recovery {
				t.Errorf("recovery %s, want %s", r.Recovery, tc.recovery)
			}
			if r.Downtime != tc.downtime {
				t.Errorf("downtime %s, want %s", r.Downtime, tc.downtime)
			}
			if r.DataLoss != tc.window {
				t.Errorf("loss window %s, want %s", r.DataLoss, tc.window)
			}
			if math.Abs(float64(r.LostWrites)-tc.lost) > 1 {
				t.Errorf("lost writes %d, want %.0f", r.LostWrites, tc.lost)
			}
			if r.AllDataLost != tc.allLost {
				t.Errorf("all data lost %v, want %v", r.AllDataLost, tc.allLost)
			}
			if tc.acked > 0 && math.Abs(float64(r.AckedWrites)-tc.acked) > 1 {
				t.Errorf("acknowledged writes %d, want %.0f", r.AckedWrites, tc.acked)
			}
			if t.Failed() {
				for _, e := range r.Timeline {
					t.Logf("%10s %-18s %s", e.At, e.Kind, e.Text)
				}
			}
		})
	}
}

// TestTimelineOrder checks that causes come before effects when they share
// a second: the fault before the outage, the failover before the service.
func TestTimelineOrder(t *testing.T) {
	r := runOne(t, setup{hosting: "sync"}, `fault "datacenter_fire" "x" {
  at = "2h0m17s"
  datacenter = datacenter.a
}`)
	var kinds []engine.EventKind
	for _, e := range r.Timeline {
		kinds = append(kinds, e.Kind)
	}
	idx := func(k engine.EventKind) int {
		for i, x := range kinds {
			if x == k {
				return i
			}
		}
		t.Fatalf("no %s in %v", k, kinds)
		return -1
	}
	if idx(engine.EventFault) > idx(engine.EventOutage) {
		t.Errorf("service_down before fault_injected: %v", kinds)
	}
	if idx(engine.EventFailoverDone) > idx(engine.EventRestored) {
		t.Errorf("service_restored before failover_done: %v", kinds)
	}
}

// TestOverloadStates tells admission control from collapse. A 10x surge
// (no ramp) for 1h: 100,000 users online, 6,667 req/s against 4,000.
//   - max_sessions 50,000 admits half. The admitted are a closed
//     population (think time 15 s - 50 ms): each server (20 workers of
//     50 ms) gets a tenth, a = X/10 x 0.05 = 16.66 erlangs on 20 workers,
//     Erlang B 0.0783, Erlang C 0.3374, mean wait 0.3374 / (400 - X/10) =
//     5.05 ms, so X = 50,000 / (14.95 + 0.05 + 0.00505) = 3,332.21 req/s,
//     all answered; the turned away ask 3,333.33. Served share
//     3,332.21 / 6,665.54 = 0.499916: degraded.
//   - without admission control the open stream of 6,667 req/s fills the
//     FIFO queue at 2,667 a second: 8 s in, every request served has
//     waited past the users' 2 s patience, and goodput is 0: down, 0 %
//     served over the surge.
//   - queue_timeout 1s (under the 2 s patience) sheds instead: the servers
//     serve their 4,000 req/s, all still wanted, and turn the rest away
//     after 1 s: 4,000 / 6,666.67 = 0.6 served, under 0.95: down.
//
// Over the day, with admission control: demanded 666.67 req/s x 23h +
// 6,665.54 x 1h, served 666.67 x 23h + 3,332.21 x 1h: 18,665.5 / 21,998.9 =
// 0.848477 (the ordinary hours' wait, at a = 1.67 erlangs, is nil).
// Collapsing: demand is 1 unit for 23 h and 10 for 1 h, 23 served: 23/33 =
// 0.696970. Shedding: 23 + 10 x 0.6 = 29 served of 33: 0.878788.
func TestOverloadStates(t *testing.T) {
	surge := `fault "connection_surge" "x" {
  at = "2h"
  regions = [region.r]
  multiplier = 10
  hold = "1h"
}`
	ac, col, shed := runOne(t, setup{hosting: "admission"}, surge), runOne(t, setup{hosting: "lonely"}, surge), runOne(t, setup{hosting: "shedding"}, surge)
	for _, c := range []struct {
		name         string
		r            engine.RegionResult
		state        engine.State
		served, over float64
	}{
		{"admission control", ac, engine.StateDegraded, 3332.21 / (3332.21 + 100000.0/30), (666.667*23 + 3332.21) / (666.667*23 + 3332.21 + 100000.0/30)},
		{"collapse", col, engine.StateDown, 0, 23.0 / 33},
		{"shedding", shed, engine.StateDown, 4000 / (10 * 100000 * 0.1 * 4 / 60), 29.0 / 33},
	} {
		if len(c.r.Incidents) != 1 {
			t.Fatalf("%s: %d incidents, want 1", c.name, len(c.r.Incidents))
		}
		in := c.r.Incidents[0]
		if in.State != c.state || in.Len() != h || !in.FaultCaused {
			t.Errorf("%s: incident %s %s fault-caused %v, want %s 1h", c.name, in.State, in.Len(), in.FaultCaused, c.state)
		}
		if math.Abs(in.ServedRatio-c.served) > 1e-6 {
			t.Errorf("%s: served during the surge %.6f, want %.6f", c.name, in.ServedRatio, c.served)
		}
		if math.Abs(c.r.ServedRatio-c.over) > 1e-6 {
			t.Errorf("%s: served over the day %.6f, want %.6f", c.name, c.r.ServedRatio, c.over)
		}
	}
}

// TestCapacityBlindSpot: one app replica (400 req/s) under a morning peak of
// 667 req/s (08:00-10:00) is overloaded every morning with no fault at all.
// The fire at 15:00 is what the RTO judges: detected 15:05, operator 16:05,
// the 12:00 backup restored into b in 38m20s: 1h43m20s, not the 2h mornings.
func TestCapacityBlindSpot(t *testing.T) {
	r := runOne(t, setup{hosting: "small", workload: "mornings"}, `fault "datacenter_fire" "x" {
  at = "15h"
  datacenter = datacenter.a
}`)
	if r.Downtime != h+43*m+20*s {
		t.Errorf("downtime %s, want 1h43m20s (the fire's incident only)", r.Downtime)
	}
	if r.Baseline == nil || r.Baseline.OutOfSLO < 2*h || r.Baseline.OutOfSLO > 2*h+2*m {
		t.Fatalf("baseline %+v, want about 2h out of SLO (08:00-10:00)", r.Baseline)
	}
	var ordinary int
	for _, in := range r.Incidents {
		if !in.FaultCaused {
			ordinary++
			if in.Start < 7*h+59*m || in.End > 10*h+2*m {
				t.Errorf("ordinary incident %s-%s, want within the morning peak", in.Start, in.End)
			}
		}
	}
	if ordinary != 1 {
		t.Errorf("%d incidents the baseline shares, want the morning's", ordinary)
	}
}
