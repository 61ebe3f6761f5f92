package experiments_test

// Calibration tests: each runs an experiment of the library on the model
// driver and checks that it reproduces a figure of the public record
// (docs/INCIDENTS.md). Every expected value is worked out by hand, in the
// test's comment, from the experiment's own parameters, with the tolerance
// and the reason for it. A target the model cannot reproduce is skipped with
// the reason, never met by bending a parameter.

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/drivers/model"
	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
)

const (
	second = time.Second
	minute = time.Minute
	hour   = time.Hour
)

// run loads an experiment of the library and runs it once on the model.
func run(t *testing.T, path string, vars map[string]string) *engine.Result {
	t.Helper()
	exp, diags := experiments.Load(path, vars)
	if diags.HasErrors() {
		t.Fatalf("%s: %s", path, diags.Error())
	}
	res, err := engine.Run(context.Background(), exp, model.New(), engine.Options{})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return res
}

func regionOf(t *testing.T, res *engine.Result, name string) engine.RegionResult {
	t.Helper()
	for _, r := range res.Regions {
		if r.Region == name {
			return r
		}
	}
	t.Fatalf("%s: no region %q", res.Experiment, name)
	return engine.RegionResult{}
}

// caused are the incidents a fault caused, in order.
func caused(r engine.RegionResult) []engine.Incident {
	var out []engine.Incident
	for _, in := range r.Incidents {
		if in.FaultCaused {
			out = append(out, in)
		}
	}
	return out
}

// only is the region's single fault-caused incident.
func only(t *testing.T, r engine.RegionResult) engine.Incident {
	t.Helper()
	ins := caused(r)
	if len(ins) != 1 {
		t.Fatalf("%s: %d fault-caused incidents, want 1: %+v", r.Region, len(ins), r.Incidents)
	}
	return ins[0]
}

func near(got, want, tol time.Duration) bool {
	return got >= want-tol && got <= want+tol
}

func within(got, want, rel float64) bool {
	return math.Abs(got-want) <= rel*math.Abs(want)
}

// clock formats an offset from the start of a day-long experiment as the
// time of day, for messages.
func clock(d time.Duration) string {
	return time.Time{}.Add(d).Format("15:04:05")
}

// TestCNEDSlowdown: the CNED's virtual classes, about 2 h of significant
// slowdown under attacks that the operator did not fully block
// (education.gouv.fr; seed 003).
//
// By hand, from lockdown-2021-04-06.hcl: capacity C = 100 x 400 = 40,000
// req/s. The attack sends 200,000 req/s from 9:00 to 11:00, rate_limit lets
// 10 % through: 20,000. Legitimate demand is 2,800,000 x 0.1786 x profile x
// 4 / 60 req/s: 33,339 at 10:00 (profile 1), 25,004 at 9:00 (0.75), 23,337
// at 11:00 (0.7); the profile is linear in between, so the offered load O is
// lowest at the window's ends. The load balancer's queue_timeout (3 s,
// under the users' patience of 2 x 5 s) sheds what the servers cannot
// take: they serve C, and the users get C / O of what they ask: 0.889 at
// 9:00 (O = 45,004), 0.750 at 10:00 (53,339), 0.923 at 11:00 (43,337), all
// under the 0.95 objective, while outside the window the legitimate peak
// (33,339) fits in C. So exactly one incident, 9:00 to 11:00: 2 h, serving
// between 0.750 and 0.923 of the requests over it (a slowdown, not a
// blackout: without the bound the queue would collapse to nothing). The
// share over the window, the a-weighted mean of C / (a + 20,000) with a
// linear from 25,004 to 33,339 and back down to 23,337, integrated
// numerically: 0.8187.
//
// Tolerance: 1 minute on the duration (the model's old one-minute step; the
// event-driven model should give it to the second). The record's "about
// 2 h" is the attack's duration in the file; what this checks is that the
// model turns it into 2 h of slowdown, no more (no aftermath) and no less
// (the profile's low ends still overload).
func TestCNEDSlowdown(t *testing.T) {
	res := run(t, "lockdown-2021-04-06.hcl", nil)
	r := regionOf(t, res, "ma-classe-a-la-maison")
	in := only(t, r)
	t.Logf("slowdown %s-%s %s, served %.3f", clock(in.Start), clock(in.End), in.State, in.ServedRatio)
	if !near(in.Start, 9*hour, minute) || !near(in.Len(), 2*hour, minute) {
		t.Errorf("slowdown %s-%s (%s), want 09:00-11:00 (2h) within 1m", clock(in.Start), clock(in.End), in.Len())
	}
	if !near(r.Downtime, 2*hour, minute) {
		t.Errorf("downtime %s, want 2h within 1m", r.Downtime)
	}
	if math.Abs(in.ServedRatio-0.8187) > 0.001 {
		t.Errorf("served over the slowdown %.4f, want 0.8187: partial service", in.ServedRatio)
	}
	if b := r.Baseline; b == nil || b.OutOfSLO != 0 {
		t.Errorf("baseline %+v: without the attack the platform should hold", b)
	}
}

// TestOccitanieCap: Occitanie's provider capped simultaneous users at about
// 25 % of the accounts (centpourcent.com); those let in were served.
//
// By hand, from lockdown-2021-04-06.hcl: 600,000 accounts, cap 150,000 (25 %).
// Demand is 600,000 x 0.15 x profile x surges: at 10:00, 90,000 x 1 x 2 x
// 1.5 = 270,000 users (45 % of the accounts), of whom 150,000 are admitted:
// 55.6 % served. The servers (26 x 400 = 10,400 req/s) carry the 150,000
// admitted (10,000 req/s), so at every moment when demand exceeds the cap,
// the users served are exactly the cap: success x demand = 150,000. The
// incident is degraded (the admitted are served), and over it the share
// served lies between the peak's 0.556 and the 0.95 objective. On an
// ordinary day the peak is 90,000 < 150,000: the baseline holds.
//
// Tolerance: 0.5 % on users served (sampling rounds nothing: the model
// computes the share exactly; 0.5 % absorbs float and profile rounding), 1 %
// on the 10:00 demand.
func TestOccitanieCap(t *testing.T) {
	res := run(t, "lockdown-2021-04-06.hcl", nil)
	r := regionOf(t, res, "occitanie")
	const cap = 150000.0
	var peak engine.Sample
	for _, s := range r.Served {
		if s.Demand > peak.Demand {
			peak = s
		}
		if s.Demand > cap*1.001 && !within(s.Success*s.Demand, cap, 0.005) {
			t.Errorf("%s: %.0f users, %.0f served; want the cap, %.0f", clock(s.At), s.Demand, s.Success*s.Demand, cap)
		}
	}
	if !within(peak.Demand, 270000, 0.01) || !within(peak.Success, cap/270000, 0.01) {
		t.Errorf("peak %.0f users at %s, %.3f served; want 270,000 at 10:00, 0.556", peak.Demand, clock(peak.At), peak.Success)
	}
	in := only(t, r)
	t.Logf("peak %.0f users at %s, %.3f served; incident %s-%s %s, served %.3f", peak.Demand, clock(peak.At), peak.Success, clock(in.Start), clock(in.End), in.State, in.ServedRatio)
	if in.State != engine.StateDegraded {
		t.Errorf("incident state %q, want degraded: admission control serves the admitted", in.State)
	}
	if in.ServedRatio < 0.556 || in.ServedRatio > 0.95 {
		t.Errorf("served over the incident %.3f, want within [0.556, 0.95]", in.ServedRatio)
	}
	if b := r.Baseline; b == nil || b.OutOfSLO != 0 {
		t.Errorf("baseline %+v: an ordinary day should fit under the cap", b)
	}
}

// TestEure2020: the Eure's collegiens' ENT in 2020, 15,000 simultaneous
// users against a capacity of 5,000 (francebleu.fr): demand three times
// capacity, half of the pupils online at once.
//
// By hand, from testdata/calibration/eure-2020.hcl: 30,000 pupils x
// (5,000 / 30,000) x profile 1 x surge 3 = 15,000 online from 8:00 to 12:00,
// half of 30,000; the cap admits 5,000, served in full (1 server, 400 req/s,
// for 333 req/s): a third of them served, demand / served = 3. Over the
// incident (from when demand passes 5,000 / 0.95 = 5,263 on the ramp up to
// when it falls back) the share served is (4 h x 5,000 + 2 x 14.6 min x
// 5,000) / (4 h x 15,000 + 2 x 14.6 min x 10,131) = 0.345; it must lie
// between the hold's 1/3 and 0.36.
//
// Tolerance: 0.5 % on the peak and on the ratio (exact arithmetic, float
// rounding only).
func TestEure2020(t *testing.T) {
	res := run(t, filepath.Join("testdata", "calibration", "eure-2020.hcl"), nil)
	r := regionOf(t, res, "eure-colleges")
	var peak engine.Sample
	for _, s := range r.Served {
		if s.Demand > peak.Demand {
			peak = s
		}
	}
	if !within(peak.Demand, 15000, 0.005) {
		t.Errorf("peak %.0f online, want 15,000 (half of 30,000 pupils)", peak.Demand)
	}
	if served := peak.Success * peak.Demand; !within(peak.Demand/served, 3, 0.005) {
		t.Errorf("at the peak %.0f online, %.0f served: ratio %.3f, want 3", peak.Demand, served, peak.Demand/served)
	}
	in := only(t, r)
	t.Logf("peak %.0f online, %.3f served; incident %s-%s %s, served %.3f", peak.Demand, peak.Success, clock(in.Start), clock(in.End), in.State, in.ServedRatio)
	if in.State != engine.StateDegraded {
		t.Errorf("incident state %q, want degraded (an admission cap of 5,000)", in.State)
	}
	if in.ServedRatio < 1.0/3 || in.ServedRatio > 0.36 {
		t.Errorf("served over the incident %.3f, want within [0.333, 0.36]", in.ServedRatio)
	}
}

// TestSBGPoweredOffBuildings: SBG3 and SBG4 were undamaged but powered off,
// SBG3 for about 9 days, SBG4 about 14 (OVHcloud press release cpl1789), and
// SBG1's 8 intact rooms never restarted (techzine.eu): at the end of a
// 3-day horizon, a customer wholly in one of them is still dark, with its
// data intact.
//
// By hand, from ovh-sbg-fire-2021.hcl: the site's power is cut at 03:28
// (3h28m) for 9 days, SBG4 for 14 and SBG1 for 17; all end after 72 h. So
// one incident from 3h28m to the horizon (68h32m), no recovery, not a write
// lost (power loss keeps the data).
//
// Tolerance: 1 minute on the start (the old model's step); none on the rest.
func TestSBGPoweredOffBuildings(t *testing.T) {
	res := run(t, "ovh-sbg-fire-2021.hcl", nil)
	for _, name := range []string{"customer-in-sbg3", "customer-in-sbg4", "customer-in-sbg1"} {
		t.Run(name, func(t *testing.T) {
			r := regionOf(t, res, name)
			if r.Recovered || r.Recovery != engine.RecoveryPending {
				t.Errorf("recovered %v by %q, want still dark (pending)", r.Recovered, r.Recovery)
			}
			if r.AllDataLost || r.LostWrites != 0 || r.DataLoss != 0 {
				t.Errorf("all lost %v, %d writes lost over %s: want data intact", r.AllDataLost, r.LostWrites, r.DataLoss)
			}
			in := only(t, r)
			if !near(in.Start, 3*hour+28*minute, minute) || in.End != 72*hour {
				t.Errorf("dark %s to %s, want 3h28m to the horizon (72h)", in.Start, in.End)
			}
		})
	}
}

// TestSameSiteBackupsLost: Bluepad kept production and backup in SBG2
// (bignonlebray.com), Bati Courtage all three backup copies in the same
// building (channelnews.fr): both lost everything, and won in court.
//
// By hand, from ovh-sbg-fire-2021.hcl: SBG2 is destroyed at 00:47 with
// every volume in it; no copy lives anywhere else, so no restore is
// possible: every acknowledged write is lost and the service never comes
// back (one incident from 47m to the horizon). The same holds for the
// what-if's backups in the same building and in SBG1's burned rooms.
func TestSameSiteBackupsLost(t *testing.T) {
	for _, c := range []struct{ file, region string }{
		{"ovh-sbg-fire-2021.hcl", "bluepad"},
		{"ovh-sbg-fire-2021.hcl", "bati-courtage"},
		{"what-if-sbg-fire.hcl", "backups-same-building"},
		{"what-if-sbg-fire.hcl", "backups-next-door-burned"},
	} {
		t.Run(c.region, func(t *testing.T) {
			r := regionOf(t, run(t, c.file, nil), c.region)
			if !r.AllDataLost || r.Recovery != engine.RecoveryUnrecoverable || r.Recovered {
				t.Errorf("all lost %v, recovery %q, recovered %v: want every copy gone", r.AllDataLost, r.Recovery, r.Recovered)
			}
			if r.LostWrites <= 0 {
				t.Errorf("%d writes lost, want every acknowledged write", r.LostWrites)
			}
			in := only(t, r)
			if !near(in.Start, 47*minute, minute) || in.End != 72*hour {
				t.Errorf("down %s to %s, want 47m to the horizon", in.Start, in.End)
			}
		})
	}
}

// TestFireENTs: the ENTs reported down on 10 March (Ile-de-France,
// Hauts-de-France, seed 000). No public report says any ENT lost its data
// for good; the ministry said the copies were elsewhere and that a grade
// entered "last night" could be lost.
//
// By hand, from ovh-sbg-fire-2021.hcl (hosting hypothetical): SBG2 burns at
// 00:47; the newest copy elsewhere is from 02:00 the day before: a loss
// window of 22h47m, which holds the evening of 9 March. The restore takes
// detection 5m + operator 1h + provisioning 2h + data_size / 30 MB/s:
// 430 GB -> 14,333 s (3h58m53s), 7h03m53s in all for Ile-de-France;
// 1 TB -> 33,333 s (9h15m33s), 12h20m33s for Hauts-de-France. The ENT
// hosted elsewhere is not touched.
//
// Tolerance: 1 minute (the old model's step).
func TestFireENTs(t *testing.T) {
	res := run(t, "ovh-sbg-fire-2021.hcl", nil)
	for _, c := range []struct {
		region   string
		downtime time.Duration
	}{
		{"ile-de-france-ent", 7*hour + 3*minute + 53*second},
		{"hauts-de-france-ent", 12*hour + 20*minute + 33*second},
	} {
		t.Run(c.region, func(t *testing.T) {
			r := regionOf(t, res, c.region)
			if r.AllDataLost || r.Recovery != engine.RecoveryRestore || !r.Recovered {
				t.Errorf("all lost %v, recovery %q: want restored from the copy elsewhere", r.AllDataLost, r.Recovery)
			}
			if r.DataLoss != 22*hour+47*minute {
				t.Errorf("loss window %s, want 22h47m (02:00 on 9 March to 00:47)", r.DataLoss)
			}
			if !near(r.Downtime, c.downtime, minute) {
				t.Errorf("downtime %s, want %s within 1m", r.Downtime, c.downtime)
			}
		})
	}
	if r := regionOf(t, res, "ent-hosted-elsewhere"); len(r.HitBy) != 0 || len(r.Incidents) != 0 {
		t.Errorf("the ENT hosted elsewhere was hit by %v: %+v", r.HitBy, r.Incidents)
	}
}

// TestGitLab2017: GitLab.com, 31 January 2017, restored from a 6-hour-old
// copy after about 18 h of downtime (docs/INCIDENTS.md; GitLab's post of 1
// February: data lost from 17:20 to 23:25 UTC, back online at 18:14).
//
// By hand, from gitlab-2017.hcl: the primary's data is erased at 23:25; the
// newest copy is from 17:20: a loss window of 6h05m. No standby, so a
// restore: detection 1m + operator 30m + provisioning 1h30m + 300 GB at
// 5 MB/s (60,000 s = 16h40m) = 18h41m, back at 18:06 on 1 February. Writes
// lost: 100,000 users x 0.1 online x 2 an hour x 6h05m = 121,667.
//
// Tolerance: 1 minute on the durations (the old model's step), 0.5 % on the
// writes. Against the record: the window is within 15 minutes of "6 hours"
// and the downtime within an hour of "about 18 h" (and 8 minutes short of
// GitLab's 18h49m): the split of the 18 h is an assumption, only the sum is
// calibrated.
func TestGitLab2017(t *testing.T) {
	r := regionOf(t, run(t, "gitlab-2017.hcl", nil), "gitlab-com")
	if r.AllDataLost || r.Recovery != engine.RecoveryRestore || !r.Recovered {
		t.Fatalf("all lost %v, recovery %q, recovered %v: want a restore", r.AllDataLost, r.Recovery, r.Recovered)
	}
	want := 18*hour + 41*minute
	t.Logf("downtime %s, loss window %s, %d writes lost", r.Downtime, r.DataLoss, r.LostWrites)
	if !near(r.Downtime, want, minute) {
		t.Errorf("downtime %s, want %s within 1m", r.Downtime, want)
	}
	if !near(r.DataLoss, 6*hour+5*minute, minute) {
		t.Errorf("loss window %s, want 6h05m within 1m", r.DataLoss)
	}
	if !within(float64(r.LostWrites), 121667, 0.005) {
		t.Errorf("%d writes lost, want 121,667 within 0.5 %%", r.LostWrites)
	}
	if !near(want, 18*hour, hour) || !near(6*hour+5*minute, 6*hour, 15*minute) {
		t.Error("the hand figures drifted from the record")
	}
}

// TestLockdownRecord: the lockdown experiment tells the day in the record's
// order. The minister named Grand Est, Ile-de-France, Hauts-de-France and
// Occitanie as failing (seed 001); the union also Normandie and
// Orleans-Tours (seed 002); Deux-Sevres reported no problem (tf1.fr).
// Saturation began between 7:00 and 8:00 at Open Digital Education, which
// runs Hauts-de-France and Ile-de-France (La Voix du Nord); error pages from
// about 8:30, "ca a plante a 9h02" (seed 003); Ile-de-France was still
// restricted around 11:45 (francebleu.fr); better everywhere in the
// afternoon but very slow, especially in Ile-de-France (seed 003).
//
// By hand, from lockdown-2021-04-06.hcl, in units of P = users x 0.15 (an
// ordinary 10:00): demand is profile x 2 (the day, from 7:00, full at 8:00)
// x 1.5 (the rush, full from 8:00 to 11:30, gone by 12:30): 1.42 P at 7:45,
// 2.1 P at 8:00, 2.325 P at 8:30, 2.55 P at 9:00, 3 P at 10:00, 1.79 P at
// 11:45, 1.3 P at 12:30, 1.6 P at 14:00, 1.3 P at 17:00. A region
// admitting c P is out of SLO above c / 0.95:
//   - Ile-de-France admits 1.7 P on servers for 1.02 P (11 x 400 = 4,400
//     req/s). Restricted while the users turned away ask more than 5 % of
//     what is answered: (D - 109,650) x 4/60 > 0.0526 x 4,400, D > 1.754 P,
//     about 7:53 to 11:47 (so at 11:45). Once all are admitted, they are
//     answered but wait: at 14:00, 1.6 P = 103,200 users, X solves X =
//     103,200 / (14.95 + R(X)): X = 4,398.7 req/s, 399.88 per server, Erlang
//     C 0.99844, mean R = 0.99844 / 0.118 + 0.05 = 8.51 s (= 103,200 /
//     4,398.7 - 14.95), p95 = ln(0.99844 / 0.05) / 0.118 + 0.05 = 25.4 s,
//     over the 2 s objective: slow, every request answered. Slow until the
//     evening ramp brings demand back near 1.02 P (about 17:20), the
//     longest;
//   - Hauts-de-France, 1.8 P (above 1.89 P): about 7:56 to 11:40;
//   - Occitanie, 1.67 P (above 1.75 P): about 7:52 to 11:47;
//   - Normandie, no admission control, 2 P of capacity (collapse above
//     2 P): about 7:58 to 11:36;
//   - Grand Est, 2.2 P (above 2.32 P): about 8:29 to 11:08;
//   - Orleans-Tours, 2.4 P (above 2.53 P): about 8:57 to 10:48;
//   - Deux-Sevres, 4 P: never (3 P at most).
//
// Tolerance: the checks are on the record's own bounds (7:00-8:00, 9:02,
// 11:45, 14:00), which the hand figures clear by at least 2 minutes.
func TestLockdownRecord(t *testing.T) {
	res := run(t, "lockdown-2021-04-06.hcl", nil)
	const (
		h7, h8, h902 = 7 * hour, 8 * hour, 9*hour + 2*minute
		h1145, h14   = 11*hour + 45*minute, 14 * hour
	)
	failing := []string{"grand-est", "ile-de-france", "hauts-de-france", "occitanie", "normandie", "orleans-tours"}
	first := map[string]engine.Incident{}
	for _, name := range failing {
		r := regionOf(t, res, name)
		ins := caused(r)
		if r.Pass || len(ins) == 0 {
			t.Errorf("%s passes (%d fault-caused incidents): the record has it failing", name, len(ins))
			continue
		}
		first[name] = ins[0]
		for _, in := range ins {
			t.Logf("%-15s %s-%s %-8s served %.3f", name, clock(in.Start), clock(in.End), in.State, in.ServedRatio)
		}
		if s := ins[0].Start; s < h7 || s > h902 {
			t.Errorf("%s out of SLO from %s, want between 07:00 and 09:02", name, clock(s))
		}
		last := ins[len(ins)-1]
		if name != "ile-de-france" && last.End > h14 {
			t.Errorf("%s out of SLO until %s, want back by 14:00 (better in the afternoon)", name, clock(last.End))
		}
		if b := r.Baseline; b == nil || b.OutOfSLO != 0 {
			t.Errorf("%s baseline %+v: an ordinary day should hold", name, b)
		}
	}
	for _, ode := range []string{"ile-de-france", "hauts-de-france"} {
		if in, ok := first[ode]; ok && in.Start >= h8 {
			t.Errorf("%s (Open Digital Education) saturates at %s, want between 07:00 and 08:00", ode, clock(in.Start))
		}
	}
	idf := regionOf(t, res, "ile-de-france")
	for _, at := range []time.Duration{h1145, h14} {
		out := false
		for _, in := range caused(idf) {
			out = out || (in.Start <= at && at < in.End)
		}
		if !out {
			t.Errorf("ile-de-france in SLO at %s, want still restricted", clock(at))
		}
	}
	// restricted in the morning (11:45 included), slow in the afternoon.
	stateAt := func(at time.Duration) engine.State {
		for _, o := range idf.Outages {
			if o.Start <= at && at < o.End {
				return o.State
			}
		}
		return ""
	}
	for _, c := range []struct {
		at    time.Duration
		state engine.State
	}{{10 * hour, engine.StateDegraded}, {h1145, engine.StateDegraded}, {12*hour + 30*minute, engine.StateSlow}, {h14, engine.StateSlow}, {16 * hour, engine.StateSlow}} {
		if got := stateAt(c.at); got != c.state {
			t.Errorf("ile-de-france at %s: %q, want %q", clock(c.at), got, c.state)
		}
	}
	for _, smp := range idf.Served {
		if smp.At == h14 && (!near(smp.P95, 25424*time.Millisecond, 100*time.Millisecond) || smp.Success != 1) {
			t.Errorf("ile-de-france at 14:00: p95 %s, served %.4f; want 25.4s, all answered", smp.P95, smp.Success)
		}
	}
	if idf.Slow < 5*hour || idf.P95 < 25*time.Second {
		t.Errorf("ile-de-france slow %s, worst p95 %s; want the afternoon (over 5h) and at least 14:00's 25.4s", idf.Slow, idf.P95)
	}
	for _, name := range failing {
		if r := regionOf(t, res, name); name != "ile-de-france" && r.Slow > 5*minute {
			t.Errorf("%s slow %s: the record has Ile-de-France the slow one", name, r.Slow)
		}
	}
	for _, name := range failing {
		if r := regionOf(t, res, name); name != "ile-de-france" && r.Downtime >= idf.Downtime {
			t.Errorf("%s down %s, no less than ile-de-france's %s: the record has Ile-de-France worst", name, r.Downtime, idf.Downtime)
		}
	}
	if ds := regionOf(t, res, "deux-sevres"); !ds.Pass || len(ds.Incidents) != 0 {
		t.Errorf("deux-sevres: pass %v, incidents %+v; the record has it holding", ds.Pass, ds.Incidents)
	}
}

// TestFrequenciesCited: every frequency in a shipped experiment says where
// it comes from. No per-site rate of fires or power cuts is published
// (docs/INCIDENTS.md), so a rate is an assumption and its line says so, or
// names the source it was derived from.
func TestFrequenciesCited(t *testing.T) {
	files, err := filepath.Glob("*.hcl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no experiments: %v", err)
	}
	every := regexp.MustCompile(`^\s*every\s*=`)
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inFault := false
		for i, line := range strings.Split(string(src), "\n") {
			switch {
			case strings.HasPrefix(line, "fault "):
				inFault = true
			case strings.HasPrefix(line, "}"):
				inFault = false
			}
			if !inFault || !every.MatchString(line) {
				continue
			}
			_, comment, ok := strings.Cut(line, "#")
			c := strings.ToLower(comment)
			if !ok || !(strings.Contains(c, "assumption") || strings.Contains(c, "uptime institute") || strings.Contains(c, ".com") || strings.Contains(c, ".org")) {
				t.Errorf("%s:%d: %q: a frequency must say it is an assumption or cite its source in a comment on its line", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}
