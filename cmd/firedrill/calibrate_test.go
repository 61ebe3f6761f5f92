package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/drivers/containers/docker"
)

// calFigure and calReport read what the tests check of
// firedrill.calibration/v1.
type calFigure struct {
	Name            string
	Model           *float64
	Measured        *float64
	Margin          *float64
	WithinTolerance bool `json:"within_tolerance"`
}

type calReport struct {
	Schema  string
	Agree   bool
	Regions []struct {
		Region        string
		VerdictsAgree bool `json:"verdicts_agree"`
		Figures       []calFigure
	}
	Suggested []struct {
		Hosting string
		Values  []struct {
			Attribute string
			Measured  float64
		}
	}
}

// TestCalibrateContainers runs firedrill calibrate on real stacks:
// testdata/calibrate.hcl burns par1 at 1h10m (4200 s). Worked by hand
// from the file, the model says:
//   - sync and async: detection 2m + promotion 30s (the default) = 150 s
//     down; the sync loss window 0 s, the async one the 1s replication
//     lag (the default). The real stack detects in the same 2m (modeled),
//     promotes in about a second and serves again a few seconds later,
//     about 126 s: 24 s apart, within the 60 s floor.
//   - nightly: detection 5m + operator 15m + provisioning 10m + 50 GB at
//     100 MB/s (500 s) = 2300 s down, and the loss window from last
//     night's 02:00 backup to 09:10: 7h10m = 25800 s; the real stack's
//     oldest lost grade is the first after 02:00 (a row spacing later),
//     well within 20 % (5160 s).
//   - wrong-promotion, the negative control: 120 + 1200 = 1320 s down on
//     the model, about 126 s on the real stack: 1194 s apart, past
//     max(20 % x 126 s, 60 s) = 60 s. Its promotion, 1200 s against about
//     1 s, too. calibrate must say so and exit 1.
func TestCalibrateContainers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts containers; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	cli, err := docker.Client(ctx)
	cancel()
	if errors.Is(err, docker.ErrNoDocker) {
		t.Skipf("no Docker engine: %v (DEVELOPERS.md says how to start one)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	cli.Close()
	out := filepath.Join(t.TempDir(), "calibration.json")
	code, _, errs := runCLI(t, "calibrate", "testdata/calibrate.hcl", "--format", "json", "--out", out)
	if code != exitFail {
		t.Fatalf("exit %d, want 1 (the negative control is out of tolerance): %s", code, errs)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep calReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Schema != "firedrill.calibration/v1" || rep.Agree || len(rep.Regions) != 4 {
		t.Fatalf("schema %q, agree %v, %d regions", rep.Schema, rep.Agree, len(rep.Regions))
	}
	// The region that disagrees comes first.
	if rep.Regions[0].Region != "wrong-promotion" {
		t.Errorf("first region %s, want wrong-promotion (the one out of tolerance)", rep.Regions[0].Region)
	}
	fig := func(region, name string) calFigure {
		for _, r := range rep.Regions {
			if r.Region != region {
				continue
			}
			for _, f := range r.Figures {
				if f.Name == name {
					return f
				}
			}
		}
		t.Fatalf("%s: no figure %q", region, name)
		return calFigure{}
	}
	show := func(f calFigure) string {
		v := func(p *float64) float64 {
			if p == nil {
				return -1
			}
			return *p
		}
		return f.Name + ": model " + secs(v(f.Model)) + ", measured " + secs(v(f.Measured)) + ", margin " + secs(v(f.Margin))
	}
	for _, c := range []struct {
		region, figure string
		model          float64
		agree          bool
	}{
		{"sync", "downtime", 150, true},
		{"sync", "data-loss window", 0, true},
		{"async", "downtime", 150, true},
		{"async", "data-loss window", 1, true},
		{"nightly", "downtime", 2300, true},
		{"nightly", "data-loss window", 25800, true},
		{"nightly", "restore, modeled part", 500, true},
		{"wrong-promotion", "downtime", 1320, false},
		{"wrong-promotion", "promotion", 1200, false},
	} {
		f := fig(c.region, c.figure)
		t.Logf("%s %s", c.region, show(f))
		if f.Model == nil || *f.Model != c.model {
			t.Errorf("%s %s: model %v, want %v", c.region, c.figure, f.Model, c.model)
		}
		if f.WithinTolerance != c.agree {
			t.Errorf("%s %s: within tolerance %v, want %v", c.region, show(f), f.WithinTolerance, c.agree)
		}
	}
	// Every figure of the three true hostings agrees: shares served,
	// availability, lost writes and the recovery steps too.
	for _, r := range rep.Regions {
		if r.Region == "wrong-promotion" {
			continue
		}
		if !r.VerdictsAgree {
			t.Errorf("%s: verdicts disagree", r.Region)
		}
		for _, f := range r.Figures {
			if !f.WithinTolerance {
				t.Errorf("%s %s: out of tolerance", r.Region, show(f))
			}
		}
	}
	// The measured promotion is suggested for the hosting, in seconds.
	found := false
	for _, s := range rep.Suggested {
		for _, v := range s.Values {
			if s.Hosting == "wrong-promotion" && v.Attribute == "promotion" {
				found = true
				if v.Measured <= 0 || v.Measured > 60 {
					t.Errorf("measured promotion %v s; want a real pg_ctl promote, under a minute", v.Measured)
				}
			}
		}
	}
	if !found {
		t.Errorf("no promotion suggested for wrong-promotion")
	}
}

func secs(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(time.Duration(v*float64(time.Second)).Round(100*time.Millisecond).String(), "0"), ".")
}
