package model

import (
	"context"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
)

// latencyBase: one app server at the default 400 req/s, so 400 x 50 ms =
// 20 workers of 50 ms; a flat day (no profile), 4 requests a minute per
// online user, 10 % of the accounts online; p95 bounded at 3 x 50 ms.
const latencyBase = `
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
hosting "sync" {
  primary      = datacenter.a
  standby      = datacenter.b
  replication  = "sync"
  app_replicas = 1
}
hosting "one" {
  primary      = datacenter.a
  app_replicas = 1
}
hosting "gated" {
  primary      = datacenter.a
  app_replicas = 1
  max_sessions = 9000
}
workload "w" {
  peak_concurrency     = 0.1
  writes_per_user_hour = 1
}
workload "writes" {
  peak_concurrency     = 0.1
  writes_per_user_hour = 24
}
`

func runLatency(t *testing.T, regions string) map[string]engine.RegionResult {
	t.Helper()
	e, diags := experiments.Parse([]byte(latencyBase+regions), "t.hcl", nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	res, err := engine.Run(context.Background(), e, New(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]engine.RegionResult{}
	for _, r := range res.Regions {
		out[r.Region] = r
	}
	return out
}

func region(name string, users int, hosting string) string {
	return regionW(name, users, hosting, "w")
}

func regionW(name string, users int, hosting, workload string) string {
	return `
region "` + name + `" {
  users    = ` + strconv.Itoa(users) + `
  hosting  = hosting.` + hosting + `
  workload = workload.` + workload + `
  objectives {
    latency_p95 = "150ms"
    availability = 99
  }
}
`
}

// TestLatencyUtilisation is the check: latency_p95 = 3 x service
// time = 150 ms.
//   - half: 30,000 accounts x 0.1 = 3,000 online x 4/60 = 200 req/s on one
//     server of 20 workers: a = 200 x 0.05 = 10 erlangs, ρ = 0.5. Erlang B
//     (20, 10) = 0.001869, C = 0.001869 / (1 - 0.5 x 0.998131) = 0.003731,
//     under 0.05: the 95th percentile waits 0, p95 = 50 ms. In SLO all day.
//   - busy: 57,000 accounts: 380 req/s, a = 19 erlangs, ρ = 0.95. Erlang B
//     = 0.133761, C = 0.133761 / (1 - 0.95 x 0.866239) = 0.755401; the
//     95th percentile waits ln(0.755401 / 0.05) / (400 - 380) = 2.71523 /
//     20 = 135.8 ms, p95 = 185.8 ms > 150 ms; p99 = ln(0.755401 / 0.01) /
//     20 + 50 ms = 266.2 ms. Every request is answered: slow all day, not
//     down nor degraded, availability 0 %.
func TestLatencyUtilisation(t *testing.T) {
	rs := runLatency(t, region("half", 30000, "one")+region("busy", 57000, "one"))
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	for _, tc := range []struct {
		name     string
		p95, p99 time.Duration
		slow     time.Duration
		avail    float64
		pass     bool
	}{
		{"half", 50 * time.Millisecond, 50 * time.Millisecond, 0, 100, true},
		{"busy", ms(185.76), ms(266.23), 24 * time.Hour, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rs[tc.name]
			if d := r.P95 - tc.p95; d < -ms(0.05) || d > ms(0.05) {
				t.Errorf("p95 = %s, want %s", r.P95, tc.p95)
			}
			if d := r.P99 - tc.p99; d < -ms(0.05) || d > ms(0.05) {
				t.Errorf("p99 = %s, want %s", r.P99, tc.p99)
			}
			if r.Slow != tc.slow || math.Abs(r.Availability-tc.avail) > 1e-9 || r.Pass != tc.pass {
				t.Errorf("slow %s, availability %.3f, pass %v; want %s, %.3f, %v", r.Slow, r.Availability, r.Pass, tc.slow, tc.avail, tc.pass)
			}
			for _, in := range r.Incidents {
				if in.State != engine.StateSlow {
					t.Errorf("incident %s, want slow", in.State)
				}
			}
			if r.ServedRatio != 1 {
				t.Errorf("served %v, want 1: a slow answer is an answer", r.ServedRatio)
			}
			var latVerdict bool
			for _, v := range r.Verdicts {
				if v.Objective == "latency_p95" {
					latVerdict = true
					if v.Pass != tc.pass {
						t.Errorf("latency_p95 verdict %+v, want pass %v", v, tc.pass)
					}
				}
			}
			if !latVerdict {
				t.Error("no latency_p95 verdict")
			}
		})
	}
}

// TestLatencyAdmission: admission control beyond saturation. 75,000
// accounts x 0.1 = 7,500 online want 500 req/s of one 400 req/s server;
// max_sessions 9,000 admits them all. They are a closed population with a
// think time Z = 15 s - 50 ms = 14.95 s: X = 7,500 / (Z + R(X)). At
// saturation X tends to 400 and R to 7,500/400 - 14.95 = 3.8 s; solved,
// X = 399.735 req/s (a = 19.987 erlangs, C = 0.996498), mean R = 0.996498 /
// 0.264855 + 0.05 = 3.8124 s = 7,500 / 399.735 - 14.95. p95 = ln(0.996498
// / 0.05) / 0.264855 + 0.05 = 11.35 s. Bounded, every request answered
// (served 1): slow all day, not degraded, since nobody is turned away.
func TestLatencyAdmission(t *testing.T) {
	r := runLatency(t, region("gated", 75000, "gated"))["gated"]
	if want := 11.3476; math.Abs(r.P95.Seconds()-want) > 0.01 {
		t.Errorf("p95 = %s, want %.2fs", r.P95, want)
	}
	if r.Slow != 24*time.Hour || r.ServedRatio != 1 || len(r.Incidents) != 1 || r.Incidents[0].State != engine.StateSlow {
		t.Errorf("slow %s, served %v, incidents %+v; want slow 24h, served 1, one slow incident", r.Slow, r.ServedRatio, r.Incidents)
	}
}

// TestLatencySyncCommit: a latency fault of 100 ms between the primary and
// its synchronous standby, 02:00-03:00. 24 writes per online user-hour at 4
// requests a minute: a write share of 24/3600 / (4/60) = 0.1, over 5 %, so
// the 95th percentile is a write. A write holds its worker 50 ms + the
// 200 ms round trip; the mean hold is 50 + 0.1 x 200 = 70 ms, capacity
// 20 / 0.07 = 285.71 req/s. 200 req/s: a = 200 x 0.07 = 14 erlangs, Erlang
// B(20, 14) = 0.030035, C = 0.030035 / (1 - 0.7 x 0.969965) = 0.093561;
// the 95th percentile waits ln(0.093561 / 0.05) / 85.714 = 7.31 ms: p95 =
// 7.31 + 50 + 200 = 257.3 ms, over 150 ms for the fault's hour, caused by
// it; p99 = ln(0.093561 / 0.01) / 85.714 + 250 ms = 276.1 ms. Outside the
// hour p95 is 50 ms (C = 0.0037 at 10 erlangs).
func TestLatencySyncCommit(t *testing.T) {
	rs := runLatency(t, regionW("r", 30000, "sync", "writes")+`
fault "latency" "x" {
  at       = "2h"
  from     = [datacenter.a]
  to       = [datacenter.b]
  delay    = "100ms"
  duration = "1h"
}`)
	r := rs["r"]
	if math.Abs(r.P95.Seconds()-0.2573) > 0.0001 || math.Abs(r.P99.Seconds()-0.2761) > 0.0001 {
		t.Errorf("p95 %s, p99 %s; want 257.3ms, 276.1ms", r.P95, r.P99)
	}
	if len(r.Incidents) != 1 {
		t.Fatalf("incidents %+v, want one", r.Incidents)
	}
	in := r.Incidents[0]
	if in.State != engine.StateSlow || in.Start != 2*time.Hour || in.End != 3*time.Hour || len(in.Cause) != 1 || in.Cause[0] != "latency.x" {
		t.Errorf("incident %+v, want slow 2h-3h caused by latency.x", in)
	}
}
