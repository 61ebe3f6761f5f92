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

// runCtx is runOne under a context, for runs that must stop.
func runCtx(t *testing.T, ctx context.Context, s setup, fault string) (engine.RegionResult, error) {
	t.Helper()
	if s.workload == "" {
		s.workload = "w"
	}
	if s.duration == "" {
		s.duration = "24h"
	}
	src := strings.Replace(base, "DURATION", s.duration, 1) + `
region "r" {
  users     = 100000
  data_size = "DATA"
  hosting   = hosting.` + s.hosting + `
  workload  = workload.` + s.workload + `
  objectives {
    rto = "4h"
  }
}
` + fault
	src = strings.Replace(src, "DATA", s.data, 1)
	e, diags := experiments.Parse([]byte(src), "t.hcl", nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	res, err := engine.Run(ctx, e, New(), engine.Options{})
	if err != nil {
		return engine.RegionResult{}, err
	}
	return res.Regions[0], nil
}

// glacial restores at one byte a second.
const glacial = `
hosting "glacial" {
  primary      = datacenter.a
  app_replicas = 10
  restore_rate = "1B/s"
  backup {
    every = "6h"
    to    = datacenter.c
  }
}
fault "disk_loss" "x" {
  at         = "7h"
  datacenter = datacenter.a
}
`

// TestRestoreBeyondHorizon: a restore that cannot finish within the
// horizon leaves the region not recovered, even when data_size /
// restore_rate exceeds what a time.Duration holds (about 292 years, 9.22e9
// s), where it used to wrap to a negative time and spin for ever.
func TestRestoreBeyondHorizon(t *testing.T) {
	for _, tc := range []struct {
		name, data string
	}{
		// 2 TB at 1 B/s = 2e12 s = 63,000 years: beyond a Duration.
		{"beyond a duration", "2TB"},
		// 950 PB at 1 B/s = 9.5e17 s: far beyond.
		{"950PB", "950PB"},
		// 1 MB at 1 B/s = 1e6 s = 11.6 days, past the 24h horizon.
		{"beyond the horizon", "1MB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			rr, err := runCtx(t, ctx, setup{hosting: "glacial", data: tc.data}, glacial)
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			// Disk lost at 07:00, in the dark until the horizon at 24:00.
			if rr.Recovered || rr.Recovery != engine.RecoveryPending {
				t.Errorf("recovered %v by %s, want not recovered (pending)", rr.Recovered, rr.Recovery)
			}
			if want := 17 * time.Hour; rr.Downtime != want {
				t.Errorf("downtime %s, want %s (07:00 to the horizon)", rr.Downtime, want)
			}
			if len(rr.Verdicts) == 0 || rr.Verdicts[0].Actual != "not recovered" {
				t.Errorf("verdicts %+v, want rto not recovered", rr.Verdicts)
			}
		})
	}
}

// TestCancelStopsLongTrial: a cancelled context stops a region's
// simulation in its own loops, not only between trials or regions: one
// trial over a century's horizon must not hold a signal back.
func TestCancelStopsLongTrial(t *testing.T) {
	src := strings.Replace(base, "DURATION", "36500d", 1) + `
region "r" {
  users     = 100000
  hosting   = hosting.lonely
  workload  = workload.mornings
}
`
	e, diags := experiments.Parse([]byte(src), "t.hcl", nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := engine.NewPlan(e, 0, false)
	var sm sim
	sm.reset(ctx, p, newWorld(p.Effects), e.Regions[0])
	if _, err := sm.run(); err == nil {
		t.Fatal("a cancelled simulation ran to the end")
	}
}

// century is a power cut of 2h on day 10 of a 100-year horizon, for the
// flat workload w (10,000 users online all day).
const century = `
fault "power_outage" "x" {
  at         = "10d"
  datacenter = datacenter.a
  duration   = "2h"
}
`

// TestLongHorizonSeries: over 36,500 days the service series keeps at most
// maxSamples samples, each the mean over its step, so that the outage
// still shows.
func TestLongHorizonSeries(t *testing.T) {
	rr, err := runCtx(t, context.Background(), setup{hosting: "lonely", data: "1GB", duration: "36500d"}, century)
	if err != nil {
		t.Fatal(err)
	}
	// 36,500 d / 5 min = 10,512,000 samples; ceil(10,512,000 / 4,096) =
	// 2,567 steps of 5 min: one sample every 12,835 min (8d21h55m), 4,096
	// samples at most (the last one shorter).
	const step = 12835 * time.Minute
	if n := len(rr.Served); n > maxSamples || n < maxSamples-1 {
		t.Fatalf("%d samples, want at most %d", n, maxSamples)
	}
	if got := rr.Served[1].At - rr.Served[0].At; got != step {
		t.Errorf("samples %s apart, want %s", got, step)
	}
	// The cut (day 10 = minute 14,400) falls in the second step, [12,835,
	// 25,670) min, and takes 2h + the 1m restart = 121 of its 12,835
	// minutes, with demand flat: success 1 - 121/12,835 = 0.990573.
	got := rr.Served[1]
	if want := 1 - 121.0/12835; math.Abs(got.Success-want) > 1e-9 {
		t.Errorf("second step: success %.6f, want %.6f", got.Success, want)
	}
	if got.At != step+step/2 {
		t.Errorf("second step sampled at %s, want its middle %s", got.At, step+step/2)
	}
	// 10,000 users online on average, as at any moment.
	if math.Abs(got.Demand-10000) > 1e-6 {
		t.Errorf("second step: %.3f users online on average, want 10,000", got.Demand)
	}
	if rr.Served[0].Success != 1 || rr.Served[2].Success != 1 {
		t.Errorf("steps around the cut: %+v, %+v, want full success", rr.Served[0], rr.Served[2])
	}
}

// BenchmarkLongHorizon runs one detailed trial of a 100-year horizon: go
// test -bench LongHorizon -benchmem shows that memory stays bounded.
func BenchmarkLongHorizon(b *testing.B) {
	src := strings.Replace(base, "DURATION", "36500d", 1) + `
region "r" {
  users     = 100000
  hosting   = hosting.lonely
  workload  = workload.mornings
}
` + century
	e, diags := experiments.Parse([]byte(src), "t.hcl", nil)
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := engine.Run(context.Background(), e, New(), engine.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRecoveryOfLongestIncident: the summary's recovery is that of the
// incident behind the downtime, not of the last one.
func TestRecoveryOfLongestIncident(t *testing.T) {
	// Power off 02:00-04:00 and a 1m restart: down 2h1m, back when the
	// power came back. At 10:00 a tenfold surge holds 30 minutes: 6,667
	// req/s against 10 x 400 = 4,000 collapses (down 30m), and ends last,
	// when the load subsides.
	rr := runOne(t, setup{hosting: "lonely"}, `
fault "power_outage" "x" {
  at         = "2h"
  datacenter = datacenter.a
  duration   = "2h"
}
fault "connection_surge" "y" {
  at         = "10h"
  regions    = [region.r]
  multiplier = 10
  hold       = "30m"
}`)
	if want := 2*time.Hour + time.Minute; rr.Downtime != want {
		t.Fatalf("downtime %s, want %s", rr.Downtime, want)
	}
	if len(rr.Incidents) != 2 || rr.Incidents[1].Recovery != engine.RecoveryLoadSubsided {
		t.Fatalf("incidents %+v, want the power cut's, then the surge's (load subsided)", rr.Incidents)
	}
	if rr.Recovery != engine.RecoveryPowerBack {
		t.Errorf("recovery %s, want %s: the 2h1m incident ended when the power came back", rr.Recovery, engine.RecoveryPowerBack)
	}
}

// TestAsyncLossDuringCut: an asynchronous standby cut off trails the
// primary by replication_lag at the cut; it never receives what was in
// flight then, nor anything after.
func TestAsyncLossDuringCut(t *testing.T) {
	// The standby in b is cut off at 09:40 with a 10 s lag: it holds the
	// writes up to 09:39:50. The primary burns at 10:00 and b is promoted:
	// the writes from 09:39:50 to 10:00 are lost, a 20m10s window, 10,000
	// writes an hour x 1,210 s / 3,600 = 3,361.1 writes.
	rr := runOne(t, setup{hosting: "async"}, `
fault "network_partition" "cut" {
  at       = "9h40m"
  from     = [datacenter.b]
  duration = "2h"
}
fault "datacenter_fire" "fire" {
  at         = "10h"
  datacenter = datacenter.a
}`)
	if rr.Recovery != engine.RecoveryFailover {
		t.Fatalf("recovery %s, want failover", rr.Recovery)
	}
	if want := 20*time.Minute + 10*time.Second; rr.DataLoss != want {
		t.Errorf("loss window %s, want %s", rr.DataLoss, want)
	}
	if want := 10000.0 * 1210 / 3600; math.Abs(float64(rr.LostWrites)-want) > 0.5 {
		t.Errorf("%d writes lost, want %.1f", rr.LostWrites, want)
	}
}
