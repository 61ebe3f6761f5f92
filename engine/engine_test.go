package engine

import (
	"context"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/faults"
)

const h = time.Hour

// TestIncidents checks the merging of outages into incidents: outages
// closer than sustain (5m) are one incident, and Downtime is the longest.
func TestIncidents(t *testing.T) {
	for _, tc := range []struct {
		name    string
		outages []Span
		want    time.Duration
	}{
		{"none", nil, 0},
		{"one", []Span{{h, 3 * h}}, 2 * h},
		// 1h..2h, then 2h01..3h: the 1-minute gap is under 5m, so 1h..3h.
		{"flapping merges", []Span{{h, 2 * h}, {2*h + time.Minute, 3 * h}}, 2 * h},
		{"apart stays apart", []Span{{h, 2 * h}, {5 * h, 5*h + 30*time.Minute}}, h},
		{"longest wins", []Span{{0, 10 * time.Minute}, {h, 4 * h}}, 3 * h},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := &RegionObservation{}
			for _, s := range tc.outages {
				o.Outages = append(o.Outages, Outage{Span: s, State: StateDown, Cause: []string{"f"}})
			}
			var got time.Duration
			for _, in := range incidents(o, nil, 5*time.Minute) {
				got = max(got, in.Len())
			}
			if got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestJudge(t *testing.T) {
	obj := experiments.Objectives{RTO: 4 * h, RTOSet: true, RPO: 24 * h, RPOSet: true, Availability: 99.5}
	for _, tc := range []struct {
		name string
		rr   RegionResult
		want []bool
	}{
		{"all met", RegionResult{Recovered: true, Downtime: 3 * h, DataLoss: 22 * h, Availability: 99.6}, []bool{true, true, true}},
		{"slow", RegionResult{Recovered: true, Downtime: 5 * h, Availability: 99.6}, []bool{false, true, true}},
		{"not recovered", RegionResult{Recovered: false, Downtime: time.Minute, Availability: 99.9}, []bool{false, true, true}},
		{"all data lost", RegionResult{Recovered: true, AllDataLost: true, Availability: 99.9}, []bool{true, false, true}},
		{"unavailable", RegionResult{Recovered: true, Availability: 99.4}, []bool{true, true, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rr := tc.rr
			rr.Objectives = obj
			judge(&rr)
			var got []bool
			for _, v := range rr.Verdicts {
				got = append(got, v.Pass)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("verdicts %v, want %v (%+v)", got, tc.want, rr.Verdicts)
			}
			all := true
			for _, w := range tc.want {
				all = all && w
			}
			if rr.Pass != all {
				t.Errorf("Pass = %v", rr.Pass)
			}
		})
	}
}

// TestSketch checks nearest-rank quantiles: of 1..100, p50 is the 50th
// value (50), p95 the 95th (95), max 100; and once past sketchExact distinct
// values, every quantile stays within 0.1 % of the exact one.
func TestSketch(t *testing.T) {
	var s sketch
	for i := 100; i >= 1; i-- {
		s.add(float64(i))
	}
	if q := s.quantiles(); q.P50 != 50 || q.P95 != 95 || q.Max != 100 {
		t.Errorf("1..100: got %+v", q)
	}
	var big sketch
	const n = 100000
	for i := 1; i <= n; i++ {
		big.add(float64(i))
	}
	q := big.quantiles()
	// exact: p50 = 50000, p95 = 95000, max = 100000.
	for _, c := range []struct{ got, want float64 }{{q.P50, 50000}, {q.P95, 95000}, {q.Max, 100000}} {
		if math.Abs(c.got-c.want)/c.want > 0.001 {
			t.Errorf("merged sketch: got %v, want %v within 0.1%%", c.got, c.want)
		}
	}
	if len(big.counts) > 20000 {
		t.Errorf("sketch holds %d cells for %d values: not bounded", len(big.counts), n)
	}
}

// stepDriver reports an outage starting at the first fault's drawn time and
// lasting as many hours as the trial's index modulo 3; enough to check the
// run loop's bookkeeping without a simulation.
type stepDriver struct{ fail bool }

func (stepDriver) Name() string { return "step" }
func (d stepDriver) Run(ctx context.Context, p *Plan) (*Observation, error) {
	if d.fail {
		return nil, errors.New("engine exploded")
	}
	out := &Observation{}
	if len(p.Faults) == 0 { // the control trial
		for _, r := range p.Experiment.Regions {
			out.Regions = append(out.Regions, RegionObservation{Region: r.Name, Hosting: r.Hosting.Name})
		}
		return out, nil
	}
	at := p.Faults[0].At
	for _, r := range p.Experiment.Regions {
		o := RegionObservation{Region: r.Name, Hosting: r.Hosting.Name, Recovery: RecoveryRestart}
		if n := p.Trial % 3; n > 0 {
			o.Outages = []Outage{{Span: Span{at, at + time.Duration(n)*h}, State: StateDown, Cause: []string{faults.ID(p.Faults[0].Fault)}}}
		}
		out.Regions = append(out.Regions, o)
	}
	return out, nil
}

func loadFire(t testing.TB) *experiments.Experiment {
	t.Helper()
	e, diags := experiments.Load("../experiments/procurement.hcl", nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return e
}

func TestRunTrials(t *testing.T) {
	e := loadFire(t)
	r1, err := Run(context.Background(), e, stepDriver{}, Options{Trials: 30, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := Run(context.Background(), e, stepDriver{}, Options{Trials: 30, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r1, r2) {
		t.Error("results differ between 1 and 4 workers")
	}
	d := r1.Regions[0].Trials
	if d == nil || d.N != 30 {
		t.Fatalf("distribution = %+v", d)
	}
	if d.Downtime.P50 != 3600 || d.Downtime.Max != 7200 || d.Downtime.P95 != 7200 {
		t.Errorf("downtime quantiles = %+v", d.Downtime)
	}
	if r1.Regions[0].Downtime != 2*h {
		t.Errorf("headline downtime = %s, want the p95, 2h", r1.Regions[0].Downtime)
	}
	// fault times are drawn from their ranges, reproducibly.
	p1, p2 := NewPlan(e, 7, false), NewPlan(e, 7, false)
	if p1.Faults[0].At != p2.Faults[0].At || p1.Seed != p2.Seed {
		t.Error("same trial, different draws")
	}
	if a, b := NewPlan(e, 1, false).Faults[0].At, NewPlan(e, 2, false).Faults[0].At; a == b {
		t.Errorf("trials 1 and 2 drew the same time %s", a)
	}
	lo, hi := e.Faults[0].Window()
	for i := 0; i < 100; i++ {
		if at := NewPlan(e, i, false).Faults[0].At; at < lo || at > hi {
			t.Fatalf("drawn %s outside [%s, %s]", at, lo, hi)
		}
	}
}

func TestRunDriverError(t *testing.T) {
	_, err := Run(context.Background(), loadFire(t), stepDriver{fail: true}, Options{Trials: 5, Workers: 2})
	if err == nil || !strings.Contains(err.Error(), "engine exploded") {
		t.Errorf("err = %v", err)
	}
}

func TestCompareRanks(t *testing.T) {
	e := loadFire(t)
	c, err := Compare(context.Background(), e, stepDriver{}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Rows) != len(e.Hostings) {
		t.Fatalf("rows = %d, want %d", len(c.Rows), len(e.Hostings))
	}
	// same figures everywhere: the cheapest offer ranks first.
	for _, r := range c.Rows {
		if r.Rank == 1 && r.Hosting != "offer-a-single-dc" {
			t.Errorf("rank 1 = %s, want the cheapest", r.Hosting)
		}
	}
	if _, err := Compare(context.Background(), e, stepDriver{}, []string{"nope"}, Options{}); err == nil {
		t.Error("unknown hosting accepted")
	}
}

// TestPassesAgreesWithJudge: the quick verdict of the bulk of trials is the
// same as judge's on every combination of objectives and figures.
func TestPassesAgreesWithJudge(t *testing.T) {
	obj := experiments.Objectives{RTO: 4 * h, RTOSet: true, RPO: time.Hour, RPOSet: true, Availability: 99.5}
	for _, rec := range []bool{true, false} {
		for _, down := range []time.Duration{0, 4 * h, 5 * h} {
			for _, loss := range []time.Duration{0, time.Hour, 2 * time.Hour} {
				for _, all := range []bool{false, true} {
					for _, av := range []float64{99, 99.5, 100} {
						for _, o := range []experiments.Objectives{obj, {}, {RPO: 0, RPOSet: true}} {
							rr := RegionResult{Objectives: o, Recovered: rec, Downtime: down, DataLoss: loss, AllDataLost: all, Availability: av}
							judge(&rr)
							if got := passes(&rr); got != rr.Pass {
								t.Fatalf("passes = %v, judge = %v for %+v", got, rr.Pass, rr)
							}
						}
					}
				}
			}
		}
	}
}

// lossDriver: of trials i = 0..39, i%4 == 0 lose every copy of the data,
// i%4 == 1 are still down at the horizon, and trial i serves 100 - i of
// its 100 requests.
type lossDriver struct{}

func (lossDriver) Name() string { return "loss" }
func (lossDriver) Run(ctx context.Context, p *Plan) (*Observation, error) {
	out := &Observation{}
	for _, r := range p.Experiment.Regions {
		o := RegionObservation{Region: r.Name, Hosting: r.Hosting.Name, Recovery: RecoveryNone, Demanded: 100, Delivered: float64(100 - p.Trial)}
		if len(p.Faults) > 0 {
			switch p.Trial % 4 {
			case 0:
				o.Recovery, o.AllDataLost = RecoveryUnrecoverable, true
				o.Outages = []Outage{{Span: Span{h, p.Experiment.Duration}, State: StateDown, Cause: []string{"f"}}}
			case 1:
				o.Recovery = RecoveryPending
				o.Outages = []Outage{{Span: Span{h, p.Experiment.Duration}, State: StateDown, Cause: []string{"f"}}}
			}
		} else {
			o.Delivered = 100
		}
		out.Regions = append(out.Regions, o)
	}
	return out, nil
}

// TestTrialShares: of 40 trials, 10 lost every copy and 20 never recovered
// (those 10 plus 10 pending); both exceed 5 % of 40 = 2, so the headline
// (the 95th percentile trial) is all-data-lost and unrecovered. Served
// shares are 1.00, 0.99, ..., 0.61: the worst 5 % begins at the 38th
// smallest of the negated values, 1 - 37/100 = 0.63; the median (rank 20)
// is 0.81; the worst is 0.61.
func TestTrialShares(t *testing.T) {
	res, err := Run(context.Background(), loadFire(t), lossDriver{}, Options{Trials: 40, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Regions[0]
	d := r.Trials
	if d.AllDataLost != 10 || d.Unrecovered != 20 {
		t.Errorf("all lost %d, unrecovered %d; want 10, 20", d.AllDataLost, d.Unrecovered)
	}
	if !r.AllDataLost || r.Recovered {
		t.Errorf("headline all lost %v recovered %v", r.AllDataLost, r.Recovered)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if q := d.ServedRatio; !near(q.P95, 0.63) || !near(q.P50, 0.81) || !near(q.Max, 0.61) {
		t.Errorf("served quantiles %+v, want p50 0.81 p95 0.63 worst 0.61", q)
	}
	if r.Baseline == nil || r.Baseline.ServedRatio != 1 || r.Baseline.Availability != 100 {
		t.Errorf("baseline %+v, want everything served", r.Baseline)
	}
}

// TestFormatAvailability: a non-zero time out of SLO never reads 100 %.
func TestFormatAvailability(t *testing.T) {
	for _, tc := range []struct {
		pct  float64
		want string
	}{
		{100, "100.000%"},
		{99.5, "99.500%"},
		// 2h1m = 7,260 s out of SLO over 100,000 days = 8.64e9 s:
		// 100 x (1 - 8.4028e-7) = 99.999916 %, "100.000" at three decimals.
		{100 * (1 - 7260/8.64e9), "99.9999%"},
		// 2h1m over 36,500 days = 3.1536e9 s: 99.99977 %.
		{100 * (1 - 7260/3.1536e9), "99.9998%"},
		// one second over 292 years (9.2e9 s): 99.99999999 %.
		{100 * (1 - 1/9.2e9), "99.99999999%"},
		// three decimals suffice when they do not round to 100.
		{99.9994, "99.999%"},
	} {
		if got := FormatAvailability(tc.pct); got != tc.want {
			t.Errorf("FormatAvailability(%v) = %s, want %s", tc.pct, got, tc.want)
		}
	}
}
