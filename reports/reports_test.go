package reports

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/faults"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// testFault is a fixed fault for hand-built results; lo and hi are the
// range its time is drawn from (both 0: a fixed time).
type testFault struct {
	kind, name string
	lo, hi     time.Duration
}

func (f testFault) Kind() string                              { return f.kind }
func (f testFault) Name() string                              { return f.name }
func (f testFault) Window() (time.Duration, time.Duration)    { return f.lo, f.hi }
func (f testFault) Timed() bool                               { return true }
func (f testFault) Every() float64                            { return 0 }
func (f testFault) Targets() int                              { return 1 }
func (f testFault) Effects(faults.Occurrence) []faults.Effect { return nil }
func (f testFault) DeclRange() hcl.Range                      { return hcl.Range{} }

var testStart = time.Date(2021, 3, 10, 0, 0, 0, 0, time.FixedZone("CET", 3600))

// regionsSingle covers a pass, a fail, an unrecoverable region that lost
// all data, and a region never hit.
func regionsSingle() []engine.RegionResult {
	obj := experiments.Objectives{RTO: 4 * time.Hour, RTOSet: true, RPO: 24 * time.Hour, RPOSet: true, Availability: 99.5}
	objSlow := obj
	objSlow.LatencyP95 = 2 * time.Second
	mk := func(rr engine.RegionResult) engine.RegionResult {
		rr.Verdicts = nil
		o := rr.Objectives
		if o.RTOSet {
			v := engine.Verdict{Objective: "rto", Target: "≤ " + fmtDur(o.RTO), Actual: "not recovered"}
			if rr.Recovered {
				v.Actual, v.Pass = fmtDur(rr.Downtime), rr.Downtime <= o.RTO
			}
			rr.Verdicts = append(rr.Verdicts, v)
		}
		if o.RPOSet {
			v := engine.Verdict{Objective: "rpo", Target: "≤ " + fmtDur(o.RPO), Actual: "all data lost"}
			if !rr.AllDataLost {
				v.Actual, v.Pass = fmtDur(rr.DataLoss), rr.DataLoss <= o.RPO
			}
			rr.Verdicts = append(rr.Verdicts, v)
		}
		if o.Availability > 0 {
			rr.Verdicts = append(rr.Verdicts, engine.Verdict{Objective: "availability", Target: "≥ 99.5%",
				Actual: trimNum(rr.Availability) + "%", Pass: rr.Availability >= o.Availability})
		}
		if o.LatencyP95 > 0 {
			rr.Verdicts = append(rr.Verdicts, engine.Verdict{Objective: "latency_p95", Target: "≤ " + fmtDur(o.LatencyP95),
				Actual: "worst " + engine.FormatLatency(rr.P95), Pass: rr.P95 <= o.LatencyP95})
		}
		rr.Pass = true
		for _, v := range rr.Verdicts {
			rr.Pass = rr.Pass && v.Pass
		}
		return rr
	}
	return []engine.RegionResult{
		mk(engine.RegionResult{Region: "alsace", Hosting: "ovh-sbg-dual-dc", MonthlyCost: 420, HitBy: []string{"datacenter_fire.sbg2"},
			Recovered: true, Recovery: engine.RecoveryFailover, Downtime: 25 * time.Minute, OutOfSLO: 25 * time.Minute,
			P95: 120 * time.Millisecond, P99: 240 * time.Millisecond,
			DataLoss: 3 * time.Second, LostWrites: 12, AckedWrites: 100000, Availability: 99.826, ServedRatio: 0.9983, UserHoursLost: 12.5,
			Objectives: obj, Outages: []engine.Outage{{Span: engine.Span{Start: 2*time.Hour + 42*time.Minute, End: 3*time.Hour + 7*time.Minute}, State: engine.StateDown,
				Cause: []string{"datacenter_fire.sbg2"}, Recovery: engine.RecoveryFailover}},
			Incidents: []engine.Incident{{Span: engine.Span{Start: 2*time.Hour + 42*time.Minute, End: 3*time.Hour + 7*time.Minute}, State: engine.StateDown,
				Cause: []string{"datacenter_fire.sbg2"}, FaultCaused: true, Recovery: engine.RecoveryFailover, ServedRatio: 0.02, DataLoss: 3 * time.Second, LostWrites: 12}},
			Baseline: &engine.Baseline{Availability: 100, ServedRatio: 1},
			Timeline: []engine.Event{
				{At: 2*time.Hour + 42*time.Minute, Kind: engine.EventFault, Text: "fire in sbg2", Basis: engine.Modeled, Fault: "datacenter_fire.sbg2"},
				{At: 2*time.Hour + 47*time.Minute, Kind: engine.EventDetected, Text: "primary unreachable", Basis: engine.Modeled, Took: 5 * time.Minute},
				{At: 3*time.Hour + 7*time.Minute, Kind: engine.EventFailoverDone, Text: "standby promoted | sbg1", Basis: engine.Modeled, Took: 20 * time.Minute},
			}}),
		mk(engine.RegionResult{Region: "bretagne", Hosting: "ovh-sbg-single", MonthlyCost: 90, HitBy: []string{"datacenter_fire.sbg2"},
			// down 9 h, then slow 12:00-13:00 (answered, p95 over 2 s):
			// 10 h of 144 out of SLO, 100 × (1 − 10/144) = 93.056%.
			Recovered: true, Recovery: engine.RecoveryRestore, Downtime: 9 * time.Hour, OutOfSLO: 10 * time.Hour,
			DataLoss: 30 * time.Hour, LostWrites: 5400, AckedWrites: 98000, Availability: 93.056, ServedRatio: 0.9375, UserHoursLost: 540,
			P95: 4200 * time.Millisecond, P99: 6800 * time.Millisecond, Slow: time.Hour,
			Objectives: objSlow, Outages: []engine.Outage{
				{Span: engine.Span{Start: 2*time.Hour + 42*time.Minute, End: 11*time.Hour + 42*time.Minute}, State: engine.StateDown},
				{Span: engine.Span{Start: 12 * time.Hour, End: 13 * time.Hour}, State: engine.StateSlow, Recovery: engine.RecoveryLoadSubsided},
			},
			Timeline: []engine.Event{
				{At: 11*time.Hour + 42*time.Minute, Kind: engine.EventRestoreDone, Text: "restored from offsite backup", Basis: engine.Measured, Took: 9 * time.Hour},
			}}),
		mk(engine.RegionResult{Region: "corse", Hosting: "ovh-sbg-no-backup", MonthlyCost: 60, HitBy: []string{"datacenter_fire.sbg2", "power_outage.sbg"},
			Recovered: false, Recovery: engine.RecoveryUnrecoverable, Downtime: 141*time.Hour + 18*time.Minute, OutOfSLO: 141*time.Hour + 18*time.Minute,
			AllDataLost: true, LostWrites: 97000, AckedWrites: 97000, Availability: 1.875, ServedRatio: 0.019, UserHoursLost: 9000,
			Objectives: obj, Outages: []engine.Outage{{Span: engine.Span{Start: 2*time.Hour + 42*time.Minute, End: 144 * time.Hour}, State: engine.StateDown}}}),
		mk(engine.RegionResult{Region: "dordogne", Hosting: "aws-eu-west-3", MonthlyCost: 800,
			// 25 s degraded out of 144 h = 518400 s: 100 × (1 − 25/518400) = 99.995%.
			Recovered: true, Recovery: engine.RecoveryLoadSubsided, OutOfSLO: 25 * time.Second, AckedWrites: 101000, Availability: 99.995, ServedRatio: 0.9999,
			P95: 850 * time.Millisecond, P99: 1300 * time.Millisecond,
			Outages: []engine.Outage{{Span: engine.Span{Start: 9 * time.Hour, End: 9*time.Hour + 25*time.Second}, State: engine.StateDegraded, Recovery: engine.RecoveryLoadSubsided}},
			Incidents: []engine.Incident{{Span: engine.Span{Start: 9 * time.Hour, End: 9*time.Hour + 25*time.Second}, State: engine.StateDegraded,
				Recovery: engine.RecoveryLoadSubsided, ServedRatio: 0.7}}}),
	}
}

func runSingle() *engine.Result {
	return &engine.Result{
		Experiment: "ovh-sbg-fire-2021", Description: "OVHcloud Strasbourg fire, 10 March 2021",
		File: "experiments/ovh-sbg-fire-2021.hcl", Driver: "sim", Seed: 42, Trials: 1,
		Start: testStart, Horizon: 144 * time.Hour,
		Faults: []engine.Scheduled{
			{Fault: testFault{kind: "datacenter_fire", name: "sbg2"}, At: 2*time.Hour + 42*time.Minute},
			{Fault: testFault{kind: "power_outage", name: "sbg"}, At: 2*time.Hour + 50*time.Minute},
		},
		Regions: regionsSingle(),
		Notes:   []string{"load scaled down 1:1000"},
		Setup:   testSetup(),
	}
}

// testSetup declares the providers and hostings the hand-built regions
// name, for the SLA comparison: ovhcloud advertises 99.95%, aws 99.99%.
func testSetup() *experiments.Experiment {
	ovh := &experiments.Provider{Name: "ovhcloud", AvailabilitySLA: 99.95}
	aws := &experiments.Provider{Name: "aws", AvailabilitySLA: 99.99}
	sbg1 := &experiments.Datacenter{Name: "sbg1", Provider: ovh, Site: "strasbourg"}
	sbg2 := &experiments.Datacenter{Name: "sbg2", Provider: ovh, Site: "strasbourg"}
	rbx1 := &experiments.Datacenter{Name: "rbx1", Provider: ovh, Site: "roubaix"}
	paris := &experiments.Datacenter{Name: "eu-west-3a", Provider: aws, Site: "paris"}
	e := &experiments.Experiment{Name: "ovh-sbg-fire-2021", Providers: []*experiments.Provider{ovh, aws},
		Datacenters: []*experiments.Datacenter{sbg1, sbg2, rbx1, paris},
		Hostings: []*experiments.Hosting{
			{Name: "ovh-sbg-dual-dc", Primary: sbg2, Standby: sbg1, Replication: experiments.ReplicationAsync, Failover: experiments.FailoverAutomatic, AppReplicas: 4, MonthlyCost: 420},
			{Name: "ovh-sbg-single", Primary: sbg2, AppReplicas: 2, MonthlyCost: 90, Backups: []experiments.Backup{{Every: 24 * time.Hour, To: rbx1}}},
			{Name: "ovh-sbg-no-backup", Primary: sbg2, AppReplicas: 2, MonthlyCost: 60},
			{Name: "aws-eu-west-3", Primary: paris, AppReplicas: 2, MonthlyCost: 800},
		}}
	for _, r := range regionsSingle() {
		e.Regions = append(e.Regions, &experiments.Region{Name: r.Region, Hosting: e.Hosting(r.Hosting)})
	}
	return e
}

func runMany() *engine.Result {
	r := runSingle()
	r.Trials = 200
	r.Seed = 7
	// the fire's time is drawn from [0h, 24h] per trial; trial 1 drew 2h42m.
	r.Faults[0].Fault = testFault{kind: "datacenter_fire", name: "sbg2", hi: 24 * time.Hour}
	for i := range r.Regions {
		rr := &r.Regions[i]
		d := rr.Downtime.Seconds()
		l := rr.DataLoss.Seconds()
		rr.Trials = &engine.Distribution{N: 200, Passed: map[bool]int{true: 190, false: 12}[rr.Pass],
			AllDataLost: map[bool]int{true: 200, false: 0}[rr.AllDataLost], Unrecovered: map[bool]int{true: 0, false: 200}[rr.Recovered],
			ServedRatio:  engine.Quantiles{P50: rr.ServedRatio, P95: rr.ServedRatio, Max: rr.ServedRatio},
			Downtimes:    []engine.Bin{{Value: rr.Downtime, Count: 200}},
			DataLosses:   []engine.Bin{{Value: rr.DataLoss, Count: 200}},
			Downtime:     engine.Quantiles{P50: d * 0.8, P95: d, Max: d * 1.25},
			DataLoss:     engine.Quantiles{P50: l / 2, P95: l, Max: l * 2},
			LostWrites:   engine.Quantiles{P50: float64(rr.LostWrites) / 2, P95: float64(rr.LostWrites), Max: float64(rr.LostWrites) * 2},
			Availability: engine.Quantiles{P50: rr.Availability + 0.1, P95: rr.Availability, Max: rr.Availability - 1.0/3},
		}
		rr.Timeline = nil
	}
	return r
}

func comparison() *engine.Comparison {
	base := runSingle()
	c := &engine.Comparison{Result: *base, Hostings: []string{"ovh-sbg-single", "ovh-sbg-dual-dc"}}
	c.Result.Regions = nil
	rs := regionsSingle()
	// Two regions on two offers: the dual-DC offer ranks first for both.
	single, dual := rs[1], rs[0]
	for _, reg := range []string{"bretagne", "alsace"} {
		s, d := single, dual
		s.Region, d.Region = reg, reg
		c.Rows = append(c.Rows, engine.Row{RegionResult: s, Rank: 2})
		c.Rows = append(c.Rows, engine.Row{RegionResult: d, Rank: 1})
	}
	return c
}

var cases = []struct {
	name string
	run  *engine.Result
	cmp  *engine.Comparison
}{
	{"single", runSingle(), nil},
	{"trials", runMany(), nil},
	{"compare", nil, comparison()},
}

var exts = map[string]string{"table": "txt", "json": "json", "markdown": "md", "junit": "xml"}

func render(t *testing.T, format string, run *engine.Result, cmp *engine.Comparison) []byte {
	t.Helper()
	w, err := ByName(format)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if cmp != nil {
		err = w.WriteComparison(&buf, cmp)
	} else {
		err = w.WriteRun(&buf, run)
	}
	if err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for format, ext := range exts {
		for _, tc := range cases {
			t.Run(format+"/"+tc.name, func(t *testing.T) {
				got := render(t, format, tc.run, tc.cmp)
				path := filepath.Join("testdata", tc.name+"."+ext)
				if *update {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update to create)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from golden %s; run go test ./reports -update and review the diff\ngot:\n%s", format, path, got)
				}
			})
		}
	}
}

// TestJSONKeys checks the documented keys are present after a round trip.
func TestJSONKeys(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(render(t, "json", runMany(), nil), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema", "experiment", "faults", "regions", "pass", "notes"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("missing top-level key %q", k)
		}
	}
	if doc["schema"] != RunSchema || doc["pass"] != false {
		t.Errorf("schema %v pass %v", doc["schema"], doc["pass"])
	}
	regions := doc["regions"].([]any)
	if len(regions) != 4 {
		t.Fatalf("%d regions", len(regions))
	}
	r0 := regions[0].(map[string]any)
	for _, k := range []string{"region", "hosting", "hit_by", "recovered", "recovery", "downtime_seconds", "out_of_slo_seconds",
		"data_loss_seconds", "lost_writes", "acked_writes", "all_data_lost", "availability", "user_hours_lost", "monthly_cost",
		"objectives", "verdicts", "verdict", "outages", "timeline", "trials", "served_ratio", "incidents", "baseline", "sla"} {
		if _, ok := r0[k]; !ok {
			t.Errorf("region missing key %q", k)
		}
	}
	if r0["downtime_seconds"] != 1500.0 {
		t.Errorf("downtime_seconds = %v, want 1500", r0["downtime_seconds"])
	}
	obj := regions[3].(map[string]any)["objectives"].(map[string]any)
	if len(obj) != 0 {
		t.Errorf("unset objectives should be omitted, got %v", obj)
	}
	var cmp map[string]any
	if err := json.Unmarshal(render(t, "json", nil, comparison()), &cmp); err != nil {
		t.Fatal(err)
	}
	rows := cmp["rows"].([]any)
	if cmp["schema"] != CompareSchema || len(rows) != 4 || rows[0].(map[string]any)["rank"] != 1.0 {
		t.Errorf("comparison schema %v rows %d first %v", cmp["schema"], len(rows), rows[0])
	}
}

// TestJUnitCounts parses the XML and recounts tests and failures.
func TestJUnitCounts(t *testing.T) {
	tests := []struct {
		name                 string
		run                  *engine.Result
		cmp                  *engine.Comparison
		suites, total, fails int
	}{
		// alsace 3 pass; bretagne rto+rpo+avail+latency_p95 fail; corse 3
		// fail; dordogne 1 pass.
		{"single", runSingle(), nil, 4, 11, 7},
		// two regions x (the single offer's 4 cases, 4 failing + the dual
		// offer's 3 passing).
		{"compare", nil, comparison(), 2, 14, 8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var doc junitSuites
			if err := xml.Unmarshal(render(t, "junit", tc.run, tc.cmp), &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Suites) != tc.suites || doc.Tests != tc.total || doc.Failures != tc.fails {
				t.Errorf("suites %d tests %d failures %d, want %d %d %d", len(doc.Suites), doc.Tests, doc.Failures, tc.suites, tc.total, tc.fails)
			}
			for _, s := range doc.Suites {
				f := 0
				for _, c := range s.Cases {
					if c.Failure != nil {
						f++
					}
				}
				if s.Tests != len(s.Cases) || s.Failures != f {
					t.Errorf("suite %s: tests=%d failures=%d, counted %d %d", s.Name, s.Tests, s.Failures, len(s.Cases), f)
				}
			}
		})
	}
}

func TestUnknownFormat(t *testing.T) {
	_, err := ByName("yaml")
	if err == nil {
		t.Fatal("no error for unknown format")
	}
	for _, want := range []string{`"yaml"`, "json", "junit", "markdown", "table"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}
