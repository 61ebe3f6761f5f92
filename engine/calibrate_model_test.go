package engine_test

import (
	"context"
	"math"
	"testing"

	"github.com/firedrill/firedrill/drivers/model"
	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
)

// TestCalibrateModelAgainstItself: the model against itself agrees on every
// figure of the fire in par1 (ci-smoke's plan), with its recovery steps
// read from the observation: detection 2m and promotion 30s for the
// standbys; detection 5m, operator response 15m... for the backups.
func TestCalibrateModelAgainstItself(t *testing.T) {
	exp, diags := experiments.Load("../experiments/ci-smoke.hcl", nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	d := &countingDriver{Driver: model.New()}
	cal, err := engine.Calibrate(context.Background(), exp, model.New(), d, engine.CalibrateOptions{Runs: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !cal.Agree() {
		t.Errorf("the model disagrees with itself")
	}
	if len(cal.Regions) != 3 {
		t.Fatalf("%d regions, want 3", len(cal.Regions))
	}
	for _, r := range cal.Regions {
		names := map[string]float64{}
		for _, f := range r.Figures {
			names[f.Name] = f.Model
			if f.Measured != f.Model || f.MeasuredMin != f.MeasuredMax {
				t.Errorf("%s %s: model %v, measured %v (%v–%v)", r.Region, f.Name, f.Model, f.Measured, f.MeasuredMin, f.MeasuredMax)
			}
		}
		switch r.Hosting {
		case "sync-standby", "async-standby":
			// detection 2m, promotion 30s (the default): down 2m30s
			// from the fire at 1h10m = 4200 s.
			check(t, r.Region, names, map[string]float64{"downtime": 150, "detection": 120, "promotion": 30, "incident 1 start": 4200, "incident 1 end": 4350})
		case "offsite-backups":
			// detection 5m (default), operator 15m, provisioning 10m, no
			// data_size: back at 4200 + 300 + 900 + 600 = 6000 s.
			check(t, r.Region, names, map[string]float64{"downtime": 1800, "detection": 300, "operator response": 900, "provisioning": 600, "incident 1 end": 6000, "data-loss window": 600})
		}
		if r.Hosting == "" {
			t.Errorf("no hosting")
		}
	}
	if d.detailed != 2 {
		t.Errorf("%d detailed runs on the measured side, want 2", d.detailed)
	}
}

func check(t *testing.T, region string, got, want map[string]float64) {
	t.Helper()
	for k, v := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: no figure %q", region, k)
		} else if math.Abs(g-v) > 1e-6 {
			t.Errorf("%s %s: %v, want %v", region, k, g, v)
		}
	}
}

type countingDriver struct {
	engine.Driver
	detailed int
}

func (c *countingDriver) Run(ctx context.Context, p *engine.Plan) (*engine.Observation, error) {
	if p.Detail {
		c.detailed++
	}
	return c.Driver.Run(ctx, p)
}
