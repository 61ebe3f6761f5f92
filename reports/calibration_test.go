package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/drivers/model"
	"github.com/firedrill/firedrill/engine"
)

// realish stands in for the containers driver in report tests: the model's
// observation with what a real run adds. Run n (from 1) catches up n x 40 s
// after each recovery, promotes in 0.6 s (measured), and leaves async down
// n x 10 min longer, so that some figures agree and one does not.
type realish struct {
	engine.Driver
	n int
}

func (r *realish) Name() string { return "containers" }

func (r *realish) Run(ctx context.Context, p *engine.Plan) (*engine.Observation, error) {
	obs, err := r.Driver.Run(ctx, p)
	if err != nil || !p.Detail {
		return obs, err
	}
	r.n++
	for i := range obs.Regions {
		o := &obs.Regions[i]
		late := time.Duration(r.n) * 40 * time.Second
		if o.Region == "async" {
			late = time.Duration(r.n) * 10 * time.Minute
		}
		for j := range o.Outages {
			o.Outages[j].End += late
		}
		for j := range o.Steps {
			if o.Steps[j].Kind == engine.StepPromotion {
				o.Steps[j].Basis, o.Steps[j].Took = engine.Measured, 600*time.Millisecond
			}
		}
		o.Steps = append(o.Steps, engine.Step{Kind: engine.StepCatchUp, Basis: engine.Measured, Took: late})
		o.Mechanisms = &engine.Mechanisms{ReplicationLag: 40 * time.Millisecond, LagSampled: true, Scale: 5000}
	}
	return obs, nil
}

func calibration(t *testing.T) *engine.Calibration {
	t.Helper()
	c, err := engine.Calibrate(context.Background(), loadExperiment(t, "../experiments/ci-smoke.hcl"), model.New(),
		&realish{Driver: model.New()}, engine.CalibrateOptions{Runs: 2})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCalibrationGolden: the calibration of ci-smoke against realish, in
// every format. async is down 2m30s on the model and 2m30s + 10m and
// + 20m on the two runs (median 17m30s, range 12m30s–22m30s): 15m apart,
// past 20 % of 17m30s (3m30s) and below 12m30s − 2m30s = 10m, so out of
// tolerance and listed first; sync and backups are 60 s and 90 s later
// (median) than the model, within max(20 %, 60 s).
func TestCalibrationGolden(t *testing.T) {
	c := calibration(t)
	if c.Agree() || c.Regions[0].Region != "async" {
		t.Fatalf("agree %v, first %s: want async out of tolerance, first", c.Agree(), c.Regions[0].Region)
	}
	for _, format := range CalibrationFormats {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteCalibration(&buf, c, format); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "calibration."+map[string]string{"table": "txt", "markdown": "md", "json": "json", "html": "html"}[format])
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s differs from golden %s; run go test ./reports -update and review the diff\ngot:\n%s", format, path, buf.Bytes())
			}
		})
	}
}

// TestCalibrationJSON checks the keys the issue asks for, and the async
// downtime worked by hand: model 150 s, measured 750 and 1350 s (150 +
// 600, 150 + 1200), median 1050, difference −900.
func TestCalibrationJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCalibration(&buf, calibration(t), "json"); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema  string
		Regions []struct {
			Region, Hosting string
			VerdictsAgree   *bool `json:"verdicts_agree"`
			Figures         []map[string]any
		}
		Suggested []map[string]any
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Schema != CalibrationSchema || len(doc.Regions) != 3 || len(doc.Suggested) == 0 {
		t.Fatalf("schema %q, %d regions, %d suggested", doc.Schema, len(doc.Regions), len(doc.Suggested))
	}
	keys := []string{"name", "model", "measured", "measured_min", "measured_max", "difference", "relative_difference", "within_tolerance", "at_slo_edge"}
	for _, r := range doc.Regions {
		if r.VerdictsAgree == nil || r.Hosting == "" {
			t.Errorf("%s: no verdicts_agree or hosting", r.Region)
		}
		for _, f := range r.Figures {
			for _, k := range keys {
				if _, ok := f[k]; !ok {
					t.Errorf("%s %v: no key %s", r.Region, f["name"], k)
				}
			}
			if r.Region == "async" && f["name"] == "downtime" {
				if f["model"] != 150.0 || f["measured"] != 1050.0 || f["measured_min"] != 750.0 || f["measured_max"] != 1350.0 || f["difference"] != -900.0 || f["within_tolerance"] != false {
					t.Errorf("async downtime: %v", f)
				}
			}
		}
	}
}

// TestCalibrationBrowser opens the calibration page in Chromium: it must
// render, raise no console message, and fetch nothing.
func TestCalibrationBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser; skipped with -short")
	}
	var buf bytes.Buffer
	if err := WriteCalibration(&buf, calibration(t), "html"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `class="out"`) {
		t.Error("no figure marked out of tolerance")
	}
	check := openInBrowser(t, buf.String(), 1280, 2400)
	if isBlank, share := blank(t, check.png); isBlank {
		t.Errorf("the page renders blank (%.1f%% of pixels inked)", 100*share)
	}
	if len(check.console) > 0 {
		t.Errorf("console messages:\n%s", strings.Join(check.console, "\n"))
	}
	if len(check.fetched) > 0 {
		t.Errorf("the page reached for the network:\n%s", strings.Join(check.fetched, "\n"))
	}
}
