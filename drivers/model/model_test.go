package model

import (
	"context"
	"reflect"
	"runtime"
	"testing"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
)

func load(t testing.TB, path string, vars map[string]string) *experiments.Experiment {
	t.Helper()
	e, diags := experiments.Load(path, vars)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return e
}

func region(t *testing.T, res *engine.Result, name string) engine.RegionResult {
	t.Helper()
	for _, r := range res.Regions {
		if r.Region == name {
			return r
		}
	}
	t.Fatalf("no region %s", name)
	return engine.RegionResult{}
}

// TestFireCommonSense checks the figures a reader expects from the fire.
func TestFireCommonSense(t *testing.T) {
	res, err := engine.Run(context.Background(), load(t, "../../experiments/ovh-sbg-fire-2021.hcl", nil), New(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		region   string
		recovery engine.Recovery
		allLost  bool
		minLoss  float64 // seconds
		maxLoss  float64
		minLost  int64
		maxLost  int64
	}{
		{"ile-de-france", engine.RecoveryUnrecoverable, true, 0, 1e9, 1, 1e9},
		{"hauts-de-france", engine.RecoveryUnrecoverable, true, 0, 1e9, 1, 1e9},    // same-site backups burned
		{"grand-est", engine.RecoveryPending, false, 20 * 3600, 24 * 3600, 1, 1e9}, // backups powered off
		{"bourgogne-franche-comte", engine.RecoveryPending, false, 0, 0, 0, 0},     // data intact, waits for power
		{"normandie", engine.RecoveryRestore, false, 1, 24 * 3600, 1, 1e9},         // daily off-site: up to a day
		{"occitanie", engine.RecoveryFailover, false, 0.5, 10, 0, 10},              // async: seconds
		{"bretagne", engine.RecoveryFailover, false, 0, 0, 0, 0},                   // sync: nothing
		{"corse", engine.RecoveryNone, false, 0, 0, 0, 0},                          // not hit
	} {
		t.Run(tc.region, func(t *testing.T) {
			r := region(t, res, tc.region)
			if r.Recovery != tc.recovery || r.AllDataLost != tc.allLost {
				t.Errorf("recovery %s allLost %v, want %s %v", r.Recovery, r.AllDataLost, tc.recovery, tc.allLost)
			}
			if !tc.allLost {
				if l := r.DataLoss.Seconds(); l < tc.minLoss || l > tc.maxLoss {
					t.Errorf("loss window %gs, want [%g, %g]", l, tc.minLoss, tc.maxLoss)
				}
			}
			if r.LostWrites < tc.minLost || r.LostWrites > tc.maxLost {
				t.Errorf("lost writes %d, want [%d, %d]", r.LostWrites, tc.minLost, tc.maxLost)
			}
		})
	}
	if r := region(t, res, "occitanie"); r.Downtime < 2*3600e9 || r.Downtime > 3*3600e9 {
		t.Errorf("manual failover downtime %s, want detection + 2h operator + promotion", r.Downtime)
	}
	if r := region(t, res, "bretagne"); r.Downtime > 5*60e9 {
		t.Errorf("automatic sync failover downtime %s", r.Downtime)
	}
}

// TestSurge: admission control keeps a share of users served where no
// admission control serves almost none; DDoS mitigation matters.
func TestSurge(t *testing.T) {
	res, err := engine.Run(context.Background(), load(t, "../../experiments/lockdown-2021-04-06.hcl", nil), New(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	idf, ge, hdf := region(t, res, "ile-de-france"), region(t, res, "grand-est"), region(t, res, "hauts-de-france")
	served := func(r engine.RegionResult) float64 {
		// success ratio at 10:00, in the middle of the surge.
		for _, s := range r.Served {
			if s.At == 10*3600e9 {
				return s.Success
			}
		}
		t.Fatalf("%s: no sample at 10:00", r.Region)
		return 0
	}
	if s := served(idf); s > 0.05 {
		t.Errorf("no admission control serves %.2f, want almost none", s)
	}
	if s := served(ge); s < 0.3 {
		t.Errorf("admission control serves %.2f, want a substantial share", s)
	}
	if s := served(hdf); s < 0.99 || !hdf.Pass {
		t.Errorf("spare capacity serves %.2f (pass %v)", s, hdf.Pass)
	}
	rl, sc := region(t, res, "ma-classe-a-la-maison"), region(t, res, "ma-classe-scrubbed")
	if rl.UserHoursLost <= sc.UserHoursLost*10 || !sc.Pass {
		t.Errorf("rate_limit lost %.0f user-hours, scrubbing %.0f (pass %v)", rl.UserHoursLost, sc.UserHoursLost, sc.Pass)
	}
}

func TestDeterminism(t *testing.T) {
	e := load(t, "../../experiments/procurement.hcl", nil)
	a, err := engine.Run(context.Background(), e, New(), engine.Options{Trials: 20, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := engine.Run(context.Background(), e, New(), engine.Options{Trials: 20, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed, different results")
	}
}

// BenchmarkOVHFire runs the 13-region fire; go test -bench OVHFire
// -benchtime 10000x reports the time for 10000 trials.
func BenchmarkOVHFire(b *testing.B) {
	e := load(b, "../../experiments/ovh-sbg-fire-2021.hcl", nil)
	b.ResetTimer()
	_, err := engine.Run(context.Background(), e, New(), engine.Options{Trials: b.N, Workers: runtime.GOMAXPROCS(0)})
	if err != nil {
		b.Fatal(err)
	}
}
