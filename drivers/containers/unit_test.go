package containers

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/faults"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestOutages(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * probeEvery) }
	series := func(pattern string) []result {
		var rs []result
		for i, c := range pattern {
			rs = append(rs, result{sent: at(i), ok: c == '+'})
		}
		return rs
	}
	end := at(100)
	tests := []struct {
		name    string
		pattern string
		want    [][2]time.Time
	}{
		{"all good", "++++++++++++", nil},
		{"one outage", "+++---++++++++++++", [][2]time.Time{{at(3), at(6)}}},
		// A few good probes inside an outage do not end it: only a
		// sustained run does.
		{"flapping", "++--+++--++++++++++++", [][2]time.Time{{at(2), at(9)}}},
		{"still down at the end", "+++------", [][2]time.Time{{at(3), end}}},
		{"two outages", "+-++++++++++++-++++++++++", [][2]time.Time{{at(1), at(2)}, {at(14), at(15)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := outages(series(tt.pattern), end)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("outages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClock(t *testing.T) {
	t0 := time.Unix(1000, 0)
	c := newClock(t0, 60)
	if got := c.exp(t0.Add(10 * time.Second)); got != 10*time.Minute {
		t.Errorf("compressed: %s; want 10m", got)
	}
	// A mechanism runs for 5 s of wall time: 5 s of experiment, not 5 min.
	c.real(t0.Add(10 * time.Second))
	if got := c.exp(t0.Add(12 * time.Second)); got != 10*time.Minute+2*time.Second {
		t.Errorf("inside a real window: %s; want 10m2s", got)
	}
	c.compress(t0.Add(15 * time.Second))
	if got := c.exp(t0.Add(16 * time.Second)); got != 10*time.Minute+5*time.Second+time.Minute {
		t.Errorf("after it: %s; want 11m5s", got)
	}
	if got := c.wallFor(time.Hour); got != time.Minute {
		t.Errorf("wallFor(1h) at 60x: %s; want 1m", got)
	}
}

// TestEveryActionHandled reads the primitive actions declared in package
// faults and checks that the actions table carries out each one: a new
// action without a file here fails this test, not a run.
func TestEveryActionHandled(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := filepath.Glob(filepath.Join("..", "..", "faults", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var declared []faults.Action
	for _, path := range pkgs {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, sp := range gd.Specs {
				vs := sp.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Action" {
					continue
				}
				for _, v := range vs.Values {
					lit, ok := v.(*ast.BasicLit)
					if !ok {
						t.Fatalf("%s: an Action constant that is not a string literal", fset.Position(v.Pos()))
					}
					s, _ := strconv.Unquote(lit.Value)
					declared = append(declared, faults.Action(s))
				}
			}
		}
	}
	if len(declared) < 8 {
		t.Fatalf("found %d actions in package faults (%v); the parse missed some", len(declared), declared)
	}
	for _, a := range declared {
		if actions[a] == nil {
			t.Errorf("faults.Action %q has no entry in the containers driver's actions table", a)
		}
	}
	if len(actions) != len(declared) {
		t.Errorf("the actions table has %d entries for %d declared actions", len(actions), len(declared))
	}
}

// TestHistoryPlan checks from when before t0 the database needs grades.
func TestHistoryPlan(t *testing.T) {
	start := time.Date(2021, 3, 10, 8, 0, 0, 0, time.UTC)
	exp := &experiments.Experiment{Start: start, Duration: 10 * time.Hour, TimeScale: 200}
	tests := []struct {
		name  string
		specs [][]experiments.Backup // per agent
		want  time.Duration
		ok    bool
	}{
		{"no backups", nil, 0, false},
		// Nightly at 02:00, t0 at 08:00: last night's backup is 6 h
		// before t0; history starts historyLead (1 h) before it: -7h.
		{"nightly", [][]experiments.Backup{{{Every: 24 * time.Hour, Offset: 2 * time.Hour}}}, -7 * time.Hour, true},
		// Every 30 min on the half hour: one at t0 itself (08:00), so the
		// history is the hour before it.
		{"half-hourly", [][]experiments.Backup{{{Every: 30 * time.Minute}}}, -time.Hour, true},
		// Two agents: the older of their newest backups counts (nightly,
		// 02:00, -6h), minus the lead: -7h.
		{"two agents", [][]experiments.Backup{{{Every: time.Hour}}, {{Every: 24 * time.Hour, Offset: 2 * time.Hour}}}, -7 * time.Hour, true},
		// One agent with both schedules: its newest backup (hourly, at
		// 08:00) is what a restore would use: -1h.
		{"one agent, two schedules", [][]experiments.Backup{{{Every: time.Hour}, {Every: 24 * time.Hour, Offset: 2 * time.Hour}}}, -time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &region{run: &run{exp: exp}}
			for _, s := range tt.specs {
				g.agents = append(g.agents, &agent{specs: s})
			}
			got, ok := g.historyPlan()
			if got != tt.want || ok != tt.ok {
				t.Errorf("historyPlan = %s, %v; want %s, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestWeigh checks the real-world writes each ledger row stands for.
func TestWeigh(t *testing.T) {
	start := time.Date(2021, 3, 10, 8, 0, 0, 0, time.UTC)
	exp := &experiments.Experiment{Start: start, Duration: time.Hour, TimeScale: 60}
	reg := &experiments.Region{Users: 100000, Workload: &experiments.Workload{PeakConcurrency: 0.15, WritesPerUserHour: 0.5}}
	g := &region{run: &run{exp: exp}, r: reg, clock: newClock(time.Unix(0, 0), 60)}
	// 100000 users x 0.15 online x 0.5 writes/user-hour = 7500 writes/h
	// = 2.0833 writes/s. Rows 60 s apart stand for 125 writes each; the
	// first row takes the gap to the second.
	ws := []write{
		{history: true, at: -2 * time.Minute},
		{history: true, at: -time.Minute},
		{history: true, at: 0},
		{history: true, at: 30 * time.Second}, // 30 s: 62.5
	}
	want := []float64{125, 125, 125, 62.5}
	got := g.weigh(ws)
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-9 {
			t.Errorf("weight of row %d = %g; want %g", i, got[i], want[i])
		}
	}
}

func TestHAProxyConfig(t *testing.T) {
	tests := []struct {
		name string
		p    haproxyParams
	}{
		{"plain", haproxyParams{Servers: []string{"r0-app-par1-1", "r0-app-par1-r"}}},
		{"admission-rate-limit", haproxyParams{Servers: []string{"r0-app-par1-1"}, AdmitRate: 25, Protection: experiments.DDoSRateLimit, RatePerIP: rateLimitPerClient}},
		{"scrubbing", haproxyParams{Servers: []string{"r0-app-par1-1"}, Protection: experiments.DDoSScrubbing, RatePerIP: rateLimitPerClient}},
		// queue_timeout 1s on servers of 8 workers (200 req/s x 40 ms):
		// each server takes 8 requests at once, the rest queue at the
		// edge for at most 1000 ms.
		{"queue-timeout", haproxyParams{Servers: []string{"r0-app-par1-1", "r0-app-par1-2"}, QueueTimeout: time.Second, Workers: 8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.config()
			path := filepath.Join("testdata", "haproxy-"+tt.name+".cfg")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLanes checks that regions whose load phases would together exceed
// the host's budget start their clocks one lane after the other.
func TestLanes(t *testing.T) {
	start := time.Date(2021, 4, 6, 8, 0, 0, 0, time.UTC)
	exp := &experiments.Experiment{Start: start, Duration: time.Hour, TimeScale: 60}
	r := &run{exp: exp}
	// Each region: 4,500 users all online x 4 requests a minute = 300
	// requests/s, on a hosting of 300 requests/s whose stack measured 300:
	// 1 real request per experiment request, a peak of 300 real
	// requests/s each.
	h := &experiments.Hosting{Primary: &experiments.Datacenter{Name: "dc1"}, AppReplicas: 1, ReplicaRPS: 300}
	w := &experiments.Workload{PeakConcurrency: 1, RequestsPerUserMinute: 4}
	var regions []*region
	var names []string
	for _, n := range []string{"a", "b", "c"} {
		regions = append(regions, &region{run: r, r: &experiments.Region{Name: n, Users: 4500, Hosting: h, Workload: w}, h: h,
			mapping: newMapping(h, w, 300)})
		names = append(names, n)
	}
	effects := []faults.Effect{{Fault: "connection_surge.s", Action: faults.Surge, At: 10 * time.Minute, For: 20 * time.Minute,
		Hold: 20 * time.Minute, Multiplier: 1, Regions: names}}
	// Outside the surge, the users' daily demand (300, all of capacity,
	// above the 0.5 floor) has its stream too: 300 less the prober's 10
	// and the teachers' 4 grades a second = 286 real requests/s each, from
	// 0 to 10m and 30m to 1h.
	// Budget 800: two regions (600 in the surge, 572 outside) fit
	// together, the third (900, 858) does not. The second lane's phases
	// (from 0) start when the first's end (1h): 60 min of experiment at
	// 60x = 60 s, plus the 10 s margin.
	offsets, notes := lanes(regions, effects, 800)
	want := []time.Duration{0, 0, 70 * time.Second}
	if diff := cmp.Diff(want, offsets); diff != "" {
		t.Errorf("offsets (-want +got):\n%s", diff)
	}
	if len(notes) != 3 {
		t.Errorf("notes %q; want the budget and two lanes", notes)
	}
	// Budget 1000: all three fit (900 in the surge, 858 outside).
	offsets, notes = lanes(regions, effects, 1000)
	if diff := cmp.Diff([]time.Duration{0, 0, 0}, offsets); diff != "" || notes != nil {
		t.Errorf("offsets (-want +got):\n%s; notes %q", diff, notes)
	}
	// A second surge at the same time with multiplier 1 leaves the demand
	// at 1 x 1 x 300 = 300 a region: one users' stream each, the same
	// lanes as above (counted per surge, region a alone would have asked
	// 600 and b would not have fitted beside it).
	rush := effects[0]
	rush.Fault = "connection_surge.rush"
	offsets, _ = lanes(regions, append(effects, rush), 800)
	if diff := cmp.Diff(want, offsets); diff != "" {
		t.Errorf("two surges: offsets (-want +got):\n%s", diff)
	}
}

// TestLoadWindows: the users' demand of overlapping load effects is one
// curve, sent by one generator; the lockdown's two surges (lockdown-day
// 7h-17h, morning-rush 7h-12h) sent it twice before, once per surge.
func TestLoadWindows(t *testing.T) {
	h := &experiments.Hosting{Primary: &experiments.Datacenter{Name: "dc1"}}
	g := &region{r: &experiments.Region{Name: "a"}, h: h}
	load := func(name string, a faults.Action, at, d time.Duration, regions ...string) faults.Effect {
		return faults.Effect{Fault: name, Action: a, At: at, For: d, Regions: regions}
	}
	day := load("day", faults.Surge, 7*time.Hour, 10*time.Hour, "a")
	rush := load("rush", faults.Surge, 7*time.Hour, 5*time.Hour, "a")
	flood := load("flood", faults.Flood, 9*time.Hour, 2*time.Hour, "a")
	late := load("late", faults.Flood, 17*time.Hour, time.Hour, "a") // touches day's end
	night := load("night", faults.Surge, 20*time.Hour, time.Hour, "a")
	other := load("other", faults.Surge, 7*time.Hour, 20*time.Hour, "b")
	fire := faults.Effect{Fault: "fire", Action: faults.Destroy, At: 8 * time.Hour, Datacenters: []string{"dc1"}}
	names := func(ws []loadWindow) [][]string {
		var out [][]string
		for _, w := range ws {
			var n []string
			for _, e := range w.effects {
				n = append(n, e.Fault)
			}
			out = append(out, append(n, (w.to-w.from).String()))
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		effects []faults.Effect
		want    [][]string
	}{
		{"one surge", []faults.Effect{day}, [][]string{{"day", "10h0m0s"}}},
		// Ordered by start; the window runs 7h to 17h.
		{"lockdown", []faults.Effect{rush, day, flood}, [][]string{{"rush", "day", "flood", "10h0m0s"}}},
		// late starts at day's end: one generator from 7h to 18h.
		{"touching", []faults.Effect{day, late}, [][]string{{"day", "late", "11h0m0s"}}},
		{"apart", []faults.Effect{rush, night}, [][]string{{"rush", "5h0m0s"}, {"night", "1h0m0s"}}},
		// Another region's surge and a fire are not the region's load.
		{"not load", []faults.Effect{other, fire, rush}, [][]string{{"rush", "5h0m0s"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, names(loadWindows(tc.effects, g))); diff != "" {
				t.Errorf("windows (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOverloadAt: when the clock must go to 1:1 for an overload's onset,
// from the plan. 4,500 users all online x 4 requests a minute = 300
// requests/s against one server of 400.
//   - a flood of 500 requests/s at 10m: unprotected, 300 + 500 = 800 > 400
//     from its first second (10m); behind rate_limit 300 + 50 = 350 < 400,
//     never.
//   - a 2x surge ramping over 20m from 30m (rules.Surge: linear from 1 to
//     2): 300 x m > 400 once m > 4/3, a third of the ramp in (400 s,
//     36m40s); the samples are the effect's 40m / 200 = 12 s apart, so the
//     first one past it is 34 x 12 = 408 s in: 36m48s.
//   - the same surge behind queue_timeout 1s (under the users' 2 s): the
//     edge sheds, but its queue fills first, the same moment.
func TestOverloadAt(t *testing.T) {
	start := time.Date(2021, 4, 6, 8, 0, 0, 0, time.UTC)
	exp := &experiments.Experiment{Start: start, Duration: 2 * time.Hour, TimeScale: 60}
	w := &experiments.Workload{PeakConcurrency: 1, RequestsPerUserMinute: 4}
	hosting := func(p experiments.DDoSProtection, q time.Duration) *experiments.Hosting {
		return &experiments.Hosting{Primary: &experiments.Datacenter{Name: "dc1"}, AppReplicas: 1, ReplicaRPS: 400, DDoSProtection: p, QueueTimeout: q}
	}
	flood := faults.Effect{Fault: "ddos.f", Action: faults.Flood, At: 10 * time.Minute, For: 10 * time.Minute, RPS: 500, Regions: []string{"a"}}
	surge := faults.Effect{Fault: "connection_surge.s", Action: faults.Surge, At: 30 * time.Minute, For: 40 * time.Minute,
		Ramp: 20 * time.Minute, Hold: 20 * time.Minute, Multiplier: 2, Regions: []string{"a"}}
	for _, tc := range []struct {
		name string
		h    *experiments.Hosting
		e    faults.Effect
		at   time.Duration
		ok   bool
	}{
		{"flood, unprotected", hosting(experiments.DDoSNone, 0), flood, 10 * time.Minute, true},
		{"flood, rate_limit", hosting(experiments.DDoSRateLimit, 0), flood, 0, false},
		{"surge", hosting(experiments.DDoSNone, 0), surge, 36*time.Minute + 48*time.Second, true},
		{"surge, shedding", hosting(experiments.DDoSNone, time.Second), surge, 36*time.Minute + 48*time.Second, true},
	} {
		g := &region{run: &run{exp: exp, plan: []faults.Effect{tc.e}}, h: tc.h,
			r: &experiments.Region{Name: "a", Users: 4500, Hosting: tc.h, Workload: w}}
		at, ok := g.overloadAt(tc.e)
		if at != tc.at || ok != tc.ok {
			t.Errorf("%s: overloadAt = %s, %v; want %s, %v", tc.name, at, ok, tc.at, tc.ok)
		}
	}
}

// TestClockPace: a wall second stands for time_scale seconds of
// experiment, or 1 inside a real-time window, open or closed.
func TestClockPace(t *testing.T) {
	t0 := time.Date(2021, 4, 6, 8, 0, 0, 0, time.UTC)
	c := newClock(t0, 120)
	c.real(t0.Add(10 * time.Second))
	c.compress(t0.Add(20 * time.Second))
	c.real(t0.Add(30 * time.Second))
	for _, tc := range []struct {
		at   time.Duration
		want float64
	}{{5 * time.Second, 120}, {10 * time.Second, 1}, {19 * time.Second, 1}, {20 * time.Second, 120}, {30 * time.Second, 1}, {time.Hour, 1}} {
		if got := c.pace(t0.Add(tc.at)); got != tc.want {
			t.Errorf("pace at %s = %g; want %g", tc.at, got, tc.want)
		}
	}
}

// TestSeriesBetween: the results sent in [from, to), and how many of them
// succeeded: 2 of the 3 sent at 1 s, 1.5 s and 1.999 s; the one at 2 s is
// the next second's.
func TestSeriesBetween(t *testing.T) {
	t0 := time.Date(2021, 4, 6, 8, 0, 0, 0, time.UTC)
	var s series
	for _, r := range []struct {
		at time.Duration
		ok bool
	}{{500 * time.Millisecond, true}, {time.Second, true}, {1500 * time.Millisecond, false}, {1999 * time.Millisecond, true}, {2 * time.Second, false}} {
		s.add(result{sent: t0.Add(r.at), ok: r.ok})
	}
	if ok, n := s.between(t0.Add(time.Second), t0.Add(2*time.Second)); ok != 2 || n != 3 {
		t.Errorf("between 1 s and 2 s: %d of %d served; want 2 of 3", ok, n)
	}
}
