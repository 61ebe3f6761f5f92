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

// TestTimezoneAcrossMarchChange: in Europe/Paris the clocks jump from 02:00
// CET to 03:00 CEST on 28 March 2021 (01:00 UTC). The experiment starts on
// 27 March at 00:00 CET (26 March 23:00 UTC) for 48 h, with the "mornings"
// profile (0.2 of the peak, 1.0 from 08:00 to 10:00 local, 1-minute
// ramps): 10,000 writes an hour at the peak. A nightly backup at 03:00
// local into c; a fire in a at +31h = 28 March 06:00 UTC = 08:00 CEST.
//
// With the zone: the 28 March backup runs at 03:00 CEST = 01:00 UTC =
// +26h: a 5 h window (03:00 to 08:00 CEST) of 0.2 x 4h59m + 0.6 x 1m =
// 1.00667 peak-hours: 10,067 writes lost. Restored after 5m + 1h + 38m20s.
// With a fixed +01:00 the backup is at 03:00 CET = 02:00 UTC = +27h: a 4 h
// window, and +31h is 07:00 on that clock (0.2 x 4h: 8,000 writes).
func TestTimezoneAcrossMarchChange(t *testing.T) {
	for _, c := range []struct {
		name, zone string
		window     float64 // hours
		lost       float64
	}{
		{"Europe/Paris", `timezone = "Europe/Paris"`, 5, 10000 * (0.2*(4+59.0/60) + 0.6/60)},
		{"fixed +01:00", ``, 4, 8000},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(base, "DURATION", "48h", 1)
			src = strings.Replace(src, `start    = "2021-03-10T00:00:00+01:00"`, `start    = "2021-03-27T00:00:00+01:00"`+"\n  "+c.zone, 1)
			src += `
hosting "nightly3" {
  primary      = datacenter.a
  app_replicas = 10
  backup {
    every = "24h"
    at    = "03:00"
    to    = datacenter.c
  }
}
region "r" {
  users     = 100000
  data_size = "100GB"
  hosting   = hosting.nightly3
  workload  = workload.mornings
}
fault "datacenter_fire" "x" {
  at         = "31h"
  datacenter = datacenter.a
}`
			e, diags := experiments.Parse([]byte(src), "t.hcl", nil)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			res, err := engine.Run(context.Background(), e, New(), engine.Options{})
			if err != nil {
				t.Fatal(err)
			}
			r := res.Regions[0]
			if r.DataLoss.Hours() != c.window || math.Abs(float64(r.LostWrites)-c.lost) > 1 || r.Downtime != h+43*m+20*s {
				logTimeline(t, r)
				t.Errorf("window %s, lost %d, down %s; want %gh, %.0f, 1h43m20s", r.DataLoss, r.LostWrites, r.Downtime, c.window, c.lost)
			}
		})
	}
}

// TestServedTotalsAcrossClockChange: the fast path that integrates whole
// served days in one step reads the zone's wall clock, as the slow path
// does. The "tent" profile rises linearly from 0 at 00:00 to 1 at 12:00
// and falls back to 0 at 24:00: a 24-hour day holds 12 level-hours.
// 100,000 users x 0.1 = 10,000 online at the peak, 1 write an hour each:
// 10,000 writes per level-hour. Over 72 h from midnight:
//
//   - fixed +01:00: 3 days of 24 h = 36 level-hours, 360,000 writes.
//   - Europe/Paris from 27 March 2021: the 28th has 23 h, 02:00-03:00 is
//     skipped, which held (2/12 + 3/12) / 2 = 2.5/12 level-hours; 72 h
//     end at 30 March 01:00 CEST, which adds 00:00-01:00 = (0 + 1/12) / 2
//     = 1/24: 36 - 5/24 + 1/24 = 35 5/6 level-hours, 358,333.3 writes.
//   - Europe/Paris from 30 October 2021: the 31st has 25 h, 02:00-03:00
//     is read twice (+2.5/12); 72 h end on 1 November at 23:00 CET, short
//     of 23:00-24:00 = (1/12 + 0) / 2 = 1/24: 36 + 5/24 - 1/24 = 36 1/6
//     level-hours, 361,666.7 writes.
func TestServedTotalsAcrossClockChange(t *testing.T) {
	for _, c := range []struct {
		name, start, zone string
		levelHours        float64
	}{
		{"fixed +01:00", "2021-03-27T00:00:00+01:00", ``, 36},
		{"Europe/Paris, 23-hour day", "2021-03-27T00:00:00+01:00", `timezone = "Europe/Paris"`, 36 - 5.0/24 + 1.0/24},
		{"Europe/Paris, 25-hour day", "2021-10-30T00:00:00+02:00", `timezone = "Europe/Paris"`, 36 + 5.0/24 - 1.0/24},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(base, "DURATION", "72h", 1)
			src = strings.Replace(src, `start    = "2021-03-10T00:00:00+01:00"`, `start    = "`+c.start+`"`+"\n  "+c.zone, 1)
			src += `
workload "tent" {
  peak_concurrency     = 0.1
  writes_per_user_hour = 1
  profile = {
    "00:00" = 0
    "12:00" = 1
  }
}
region "r" {
  users    = 100000
  hosting  = hosting.bare
  workload = workload.tent
}`
			e, diags := experiments.Parse([]byte(src), "t.hcl", nil)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			s := new(sim)
			s.reset(context.Background(), &engine.Plan{Experiment: e}, newWorld(nil), e.Regions[0])
			want := 10000 * c.levelHours
			if got := s.servedTotals(0, 72*h).writes; math.Abs(got-want) > 1e-6*want {
				t.Errorf("one step: %.3f writes, want %.3f", got, want)
			}
			// the run's own path: a stretch of more than two days in which
			// everyone is served (a billion servers) takes the fast path;
			// piece by piece (Simpson, exact on the linear profile) agrees.
			prm := params{db: true, q: s.queue(1e9)}
			prm.capacity = prm.q.cap
			var fast, slow totals
			s.pieces(0, 72*h, &prm, func(_, _ time.Duration, _ class, tt totals) { fast.add(tt) })
			for x := time.Duration(0); x < 72*h; {
				y := min(72*h, s.nextBreak(x))
				s.sub(x, y, &prm, func(_, _ time.Duration, _ class, tt totals) { slow.add(tt) })
				x = y
			}
			if math.Abs(fast.writes-want) > 1e-6*want || math.Abs(slow.writes-want) > 1e-6*want {
				t.Errorf("fast path %.3f writes, piece by piece %.3f; want %.3f", fast.writes, slow.writes, want)
			}
		})
	}
}
