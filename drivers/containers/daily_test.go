package containers

import (
	"math"
	"os"
	"testing"
	"time"

	"github.com/firedrill/firedrill/faults"
)

// TestDailyRate checks the users' daily stream's planned rates on
// testdata/daily.hcl by hand: the profile, the mapping to the measured
// capacity, the prober and the teachers taken off, and a compressed clock
// that leaves the rate per wall second the mapped demand at that moment.
func TestDailyRate(t *testing.T) {
	src, err := os.ReadFile("testdata/daily.hcl")
	if err != nil {
		t.Fatal(err)
	}
	exp := parse(t, string(src))
	r := &run{exp: exp, scale: exp.Scale}
	regions := map[string]*region{}
	for _, reg := range exp.Regions {
		// Say both stacks measured 130 requests/s.
		g := &region{run: r, r: reg, h: reg.Hosting}
		g.mapping = newMapping(g.h, reg.Workload, 130)
		regions[reg.Name] = g
	}
	under, control := regions["under"], regions["control"]

	// The background: the prober's 10 requests/s, and the teachers'
	// grades: 25,000 users x 0.1 online x 0.1 writes an hour = 250 an
	// hour, / 3,600 x 120 (time_scale) / 100 (scale) = 0.083 per wall
	// second, raised to the floor of 4: 14 requests/s.
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 0.01 {
			t.Errorf("%s = %.3f; want %.3f", name, got, want)
		}
	}
	near("background", under.background(), 14)
	// 07:30 (30 min in): the profile halfway from 0.3 (07:00) to 1.0
	// (08:00) = 0.65; 2,500 x 0.65 = 1,625 online x 4/60 = 108.33
	// requests/s of the experiment; 1 real request stands for 104/130 of
	// them: 108.33 x 130/104 = 135.42 real, less 14 = 121.42.
	near("under at 07:30", under.dailyRate(30*time.Minute), 121.42)
	// 08:30, the peak: 166.67 x 130/104 = 208.33, less 14 = 194.33.
	near("under at 08:30", under.dailyRate(90*time.Minute), 194.33)
	// The control's hosting serves 238: 166.67 x 130/238 = 91.04, less 14
	// = 77.04.
	near("control at 08:30", control.dailyRate(90*time.Minute), 77.04)

	// Compressed 120 x, 15 wall seconds are 30 min of experiment: the
	// pacer sends 07:30's rate per wall second, not a 120th of it (the
	// demand over capacity at 07:30 is the experiment's; each wall second's
	// requests stand for 120 s of it, and shares are ratios of requests).
	w0 := time.Unix(0, 0)
	p := &clockPacer{clock: newClock(w0, exp.TimeScale), rate: under.dailyRate, end: exp.Duration, begin: w0}
	near("pacer at 15 s of wall time", p.Rate(15*time.Second), 121.42)

	// The daily peaks over capacity: 166.67/104 = 1.603 and 166.67/238 =
	// 0.700, both above the 0.5 floor; a third region at 166.67/400 =
	// 0.417 gets no stream.
	near("under's daily peak", dailyPeak(under, nil), 1.603)
	near("control's daily peak", dailyPeak(control, nil), 0.700)
	if !needsDaily(under, nil) || !needsDaily(control, nil) {
		t.Error("under and control need a daily stream")
	}
	big := *control.h
	big.ReplicaRPS = 400
	spare := &region{run: r, r: control.r, h: &big}
	if needsDaily(spare, nil) {
		t.Errorf("daily peak %.3f of capacity gets a stream; want none under %.1f", dailyPeak(spare, nil), dailyFloor)
	}

	// A surge from 08:00 for 1 h takes the daily stream's place there:
	// the stream runs 0-1h and 2h-3h, in phases of an hour at most that
	// follow each other; its peak outside the surge is still the profile's
	// 1.0 (08:00 itself is the surge's; 09:00-09:30 is the stream's).
	surge := []faults.Effect{{Fault: "s", Action: faults.Surge, At: time.Hour, For: time.Hour, Hold: time.Hour, Multiplier: 2, Regions: []string{"under"}}}
	r.plan = surge
	spans := dailySpans(surge, under)
	if len(spans) != 2 || spans[0].from != 0 || spans[0].to != time.Hour || spans[1].from != 2*time.Hour || spans[1].to != 3*time.Hour {
		t.Errorf("daily spans %+v; want 0-1h and 2h-3h", spans)
	}
	near("under's daily peak beside the surge", dailyPeak(under, surge), 1.603)
	phases := dailyPhases(under, surge)
	var covered time.Duration
	for i, ph := range phases {
		if ph.to-ph.from > time.Hour || ph.to <= ph.from {
			t.Errorf("phase %d: %s to %s; want up to an hour", i, ph.from, ph.to)
		}
		if ph.from < time.Hour != (ph.to <= time.Hour) {
			t.Errorf("phase %d: %s to %s crosses the surge", i, ph.from, ph.to)
		}
		covered += ph.to - ph.from
	}
	if covered != 2*time.Hour {
		t.Errorf("daily phases %+v cover %s; want the 2 h outside the surge", phases, covered)
	}
}
