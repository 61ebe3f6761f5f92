package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

func secs(v float64) string { return fmt.Sprintf("%.1fs", v) }

// TestCalibrateUsage: bad flags and bad files exit 2 before anything
// starts, so they need no Docker engine.
func TestCalibrateUsage(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.hcl")
	if err := os.WriteFile(bad, []byte("experiment \"x\" {\n  duration = \"4 hours\"\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"calibrate"}, "name exactly one experiment file"},
		{[]string{"calibrate", "a.hcl", "b.hcl"}, "name exactly one experiment file, got 2"},
		{[]string{"calibrate", "testdata/calibrate.hcl", "--runs", "0"}, "--runs must be at least 1"},
		{[]string{"calibrate", "testdata/calibrate.hcl", "--tolerance", "abc"}, "--tolerance"},
		{[]string{"calibrate", "testdata/calibrate.hcl", "--tolerance", "-5%"}, "--tolerance"},
		{[]string{"calibrate", "testdata/calibrate.hcl", "--floor", "soon"}, "--floor"},
		{[]string{"calibrate", "testdata/calibrate.hcl", "--share-floor", "3%"}, "--share-floor"},
		{[]string{"calibrate", "testdata/calibrate.hcl", "--format", "junit"}, `unknown format "junit"`},
		{[]string{"calibrate", "testdata/calibrate.hcl", "--out", "/nonexistent/x.json"}, "does not exist"},
		{[]string{"calibrate", bad}, "bad.hcl:2:"},
	} {
		code, _, errs := runCLI(t, tc.args...)
		if code != exitInvalid || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, want 2 with %q:\n%s", tc.args, code, tc.want, errs)
		}
	}
}

// TestCalibrateOptions: the margins as written on the command line.
func TestCalibrateOptions(t *testing.T) {
	for _, tc := range []struct {
		tol, floor, share  string
		wantTol, wantShare float64
		wantFloor          time.Duration
	}{
		{"20%", "60s", "3pp", 0.2, 3, time.Minute},
		{"0.35", "2m", "1.5", 0.35, 1.5, 2 * time.Minute},
	} {
		o, err := (&calibrateFlags{runs: 1, tolerance: tc.tol, floor: tc.floor, shareFloor: tc.share}).options()
		if err != nil || o.Tolerance != tc.wantTol || o.Floor != tc.wantFloor || o.ShareFloor != tc.wantShare {
			t.Errorf("%s %s %s: %+v %v", tc.tol, tc.floor, tc.share, o, err)
		}
	}
}
