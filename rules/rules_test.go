package rules

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/faults"
)

const h = time.Hour

// start is 08:00 local on 10 March 2021; midnight is 8h before t0.
var start = time.Date(2021, 3, 10, 8, 0, 0, 0, time.FixedZone("CET", 3600))

func TestLastBackup(t *testing.T) {
	for _, tc := range []struct {
		name   string
		b      experiments.Backup
		at     time.Duration
		want   time.Duration
		wantOK bool
	}{
		// daily at 02:00: 02:00 today is 6h before t0 (08:00).
		{"last night", experiments.Backup{Every: 24 * h, Offset: 2 * h}, 7 * h, -6 * h, true},
		// at 15:00 (t0+7h) the newest is still 02:00 (-6h); at t0+18h
		// (02:00 next day) it is that one.
		{"on the tick", experiments.Backup{Every: 24 * h, Offset: 2 * h}, 18 * h, 18 * h, true},
		// hourly from midnight: at t0+90m (09:30) the newest is 09:00 = t0+1h.
		{"hourly", experiments.Backup{Every: h}, 90 * time.Minute, h, true},
		{"no schedule", experiments.Backup{}, h, 0, false},
		// the longest Duration, 106751d23h47m16.85s after 08:00, is 07:47
		// on day 106752: the newest 02:00 is 106751d + 18h; t - origin
		// overflows there (origin = -6h).
		{"at the longest horizon", experiments.Backup{Every: 24 * h, Offset: 2 * h}, math.MaxInt64, 106751*24*h + 18*h, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := LastBackup(start, tc.b, tc.at)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("got %s %v, want %s %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
	// the next after 02:00 next day is 02:00 the day after: 18h + 24h.
	if n, _ := NextBackup(start, experiments.Backup{Every: 24 * h, Offset: 2 * h}, 18*h); n != 42*h {
		t.Errorf("next = %s, want 42h", n)
	}
}

func TestRestoreCandidates(t *testing.T) {
	p, q := &experiments.Provider{Name: "p"}, &experiments.Provider{Name: "q"}
	dc := func(name, site string, pr *experiments.Provider) *experiments.Datacenter {
		return &experiments.Datacenter{Name: name, Site: site, Provider: pr}
	}
	a, a2, b, c, x := dc("a", "s1", p), dc("a2", "s1", p), dc("b", "s2", p), dc("c", "s3", p), dc("x", "s9", q)
	e := &experiments.Experiment{Datacenters: []*experiments.Datacenter{a, a2, b, c, x}}
	for _, tc := range []struct {
		name string
		h    *experiments.Hosting
		want []string
	}{
		// other sites first (b), then a's own site (a2), backups' c last;
		// x belongs to another provider.
		{"backups only", &experiments.Hosting{Primary: a}, []string{"b", "a2", "c"}},
		{"standby first", &experiments.Hosting{Primary: a, Standby: b}, []string{"b", "a2", "c"}},
		{"restore_to first", &experiments.Hosting{Primary: a, RestoreTo: c}, []string{"c", "b", "a2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := RestoreCandidates(e, tc.h, "a", "c"); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSurge(t *testing.T) {
	// 3x, 1h ramp, 2h hold, from t=1h: up over 1h..2h, hold to 4h, down to 5h.
	effs := []faults.Effect{{Action: faults.Surge, At: h, For: 4 * h, Ramp: h, Hold: 2 * h, Multiplier: 3, Regions: []string{"r"}}}
	for _, tc := range []struct {
		at   time.Duration
		want float64
	}{
		{0, 1},
		{90 * time.Minute, 2},                 // half-way up: 1 + 2 x 0.5
		{3 * h, 3},                            // holding
		{4*h + 45*time.Minute, 1 + 2*15.0/60}, // 15m before the end: 1 + 2 x 0.25
		{5 * h, 1},                            // over
	} {
		if got := Surge(effs, "r", tc.at); got != tc.want {
			t.Errorf("at %s: got %v, want %v", tc.at, got, tc.want)
		}
		if got := Surge(effs, "other", tc.at); got != 1 {
			t.Errorf("other region at %s: %v", tc.at, got)
		}
	}
}

func TestDemand(t *testing.T) {
	w := &experiments.Workload{PeakConcurrency: 0.5, WritesPerUserHour: 2, RequestsPerUserMinute: 6,
		Profile: []experiments.ProfilePoint{{At: 0, Level: 0}, {At: 12 * h, Level: 1}}}
	r := &experiments.Region{Users: 1000, Workload: w}
	// 08:00 is 8/12 of the way from 0 to 1: 1000 x 0.5 x 2/3.
	if got, want := Online(r, start, 0), 1000*0.5*8.0/12; got != want {
		t.Errorf("online = %v, want %v", got, want)
	}
	// 6 requests a minute = 0.1/s; 2 writes an hour of 360 requests.
	if got := RequestsPerUserSecond(w); got != 0.1 {
		t.Errorf("rps = %v", got)
	}
	if got, want := WriteShare(w), 2.0/360; math.Abs(got-want) > 1e-15 {
		t.Errorf("write share = %v, want %v", got, want)
	}
	hs := &experiments.Hosting{MaxSessions: 100, ReplicaRPS: 400}
	if Admitted(hs, 333) != 100 || Admitted(&experiments.Hosting{}, 333) != 333 {
		t.Error("admission")
	}
	if Capacity(hs, 3) != 1200 || Capacity(hs, -1) != 0 {
		t.Error("capacity")
	}
	for p, want := range map[experiments.DDoSProtection]float64{experiments.DDoSNone: 1, experiments.DDoSRateLimit: 0.1, experiments.DDoSScrubbing: 0.001} {
		if AttackPass(p) != want {
			t.Errorf("%s passes %v", p, AttackPass(p))
		}
	}
}

func TestTouches(t *testing.T) {
	r := &experiments.Region{Name: "r"}
	dcs := []string{"a", "b", "c"}
	for _, tc := range []struct {
		name string
		e    faults.Effect
		want bool
	}{
		{"names the region", faults.Effect{Action: faults.Surge, Regions: []string{"r"}}, true},
		{"its datacenter", faults.Effect{Action: faults.Destroy, Datacenters: []string{"b"}}, true},
		{"another datacenter", faults.Effect{Action: faults.Destroy, Datacenters: []string{"z"}}, false},
		{"its link", faults.Effect{Action: faults.Partition, Datacenters: []string{"a"}, Peers: []string{"b", "z"}}, true},
		{"a link to elsewhere", faults.Effect{Action: faults.Latency, Datacenters: []string{"a"}, Peers: []string{"z"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Touches(&tc.e, r, dcs); got != tc.want {
				t.Errorf("got %v", got)
			}
		})
	}
}

// TestStopWaitingAt: max_wait after the failure, and no sooner than a
// human is on it (detection + operator_response).
func TestStopWaitingAt(t *testing.T) {
	const m = time.Minute
	for _, c := range []struct {
		name    string
		maxWait time.Duration
		failAt  time.Duration
		want    time.Duration
		ok      bool
	}{
		{"no max_wait: waits for ever", 0, 2 * h, 0, false},
		// 2h + 4h.
		{"max_wait after the failure", 4 * h, 2 * h, 6 * h, true},
		// 5m + 1h > 30m: 2h + 1h05m.
		{"not before the operator", 30 * m, 2 * h, 3*h + 5*m, true},
		{"saturates", time.Duration(math.MaxInt64), 2 * h, time.Duration(math.MaxInt64), true},
	} {
		hs := &experiments.Hosting{MaxWait: c.maxWait, Detection: 5 * m, OperatorResponse: h}
		got, ok := StopWaitingAt(hs, c.failAt)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: %s %v, want %s %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

// TestSheds: an app tier sheds overload only when its queue's bound is
// shorter than the users' patience; unbounded, or bounded at or beyond it,
// every request served has been waited for in vain, and it collapses.
func TestSheds(t *testing.T) {
	for _, tc := range []struct {
		queue, patience time.Duration
		want            bool
	}{
		{0, 2 * time.Second, false},
		{time.Second, 2 * time.Second, true},
		{2 * time.Second, 2 * time.Second, false},
		{5 * time.Second, 10 * time.Second, true},
	} {
		h := &experiments.Hosting{QueueTimeout: tc.queue}
		if got := Sheds(h, tc.patience); got != tc.want {
			t.Errorf("Sheds(queue_timeout %s, patience %s) = %v, want %v", tc.queue, tc.patience, got, tc.want)
		}
	}
}
