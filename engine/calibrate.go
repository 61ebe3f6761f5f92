package engine

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/faults"
)

// CalibrateOptions tune a calibration.
type CalibrateOptions struct {
	// Runs is how many times the measured side runs; 0 means 1.
	Runs int
	// Tolerance and Floor: a duration agrees when |model - measured| ≤
	// max(Tolerance x measured, Floor).
	Tolerance float64
	Floor     time.Duration
	// ShareFloor is how many percentage points a served share may differ.
	ShareFloor float64
	// Sustain is Options.Sustain, the same on both sides.
	Sustain time.Duration
	// Baseline runs the control trial of both sides; nil runs it on the
	// model driver.
	Baseline Driver
	// Progress, when set, is told before each run of the measured side.
	Progress func(run, runs int)
}

// Default calibration margins, the issue's.
const (
	DefaultTolerance  = 0.20
	DefaultFloor      = 60 * time.Second
	DefaultShareFloor = 3.0
)

// Calibration is one experiment run on a model and on a measured driver
// with the same drawn plan, compared figure by figure.
type Calibration struct {
	Experiment string
	File       string
	Seed       int64
	Start      time.Time
	Horizon    time.Duration
	Faults     []Scheduled
	// ModelDriver and MeasuredDriver name the two sides.
	ModelDriver, MeasuredDriver string
	Runs                        int
	Tolerance                   float64
	Floor                       time.Duration
	ShareFloor                  float64
	// Regions are ordered: regions whose verdicts disagree first, then
	// those with a figure out of tolerance, then the rest, each group in
	// the file's order.
	Regions []CalibratedRegion
	// Suggested are the measured mechanism values, per hosting.
	Suggested []Suggestion
	// Model and Measured are the two sides' results, for reports that
	// want more than the figures.
	Model    *Result
	Measured []*Result
	Notes    []string
}

// Agree reports whether every figure is within tolerance.
func (c *Calibration) Agree() bool {
	for _, r := range c.Regions {
		if r.OutOfTolerance() > 0 {
			return false
		}
	}
	return true
}

// CalibratedRegion is one region's figures on both sides.
type CalibratedRegion struct {
	Region  string
	Hosting string
	// ModelPass and MeasuredPass are each side's overall verdict; with
	// several runs MeasuredPass holds one per run.
	ModelPass    bool
	MeasuredPass []bool
	// Verdicts pairs each objective's verdict on both sides.
	Verdicts      []VerdictPair
	VerdictsAgree bool
	// AtSLOEdge says the served share sat within the share floor of the
	// objective's success ratio for most of an incident: downtime there
	// counts minutes at the edge, and its agreement rests on the shares.
	AtSLOEdge bool
	Figures   []Figure
}

// OutOfTolerance counts the region's figures that disagree.
func (r *CalibratedRegion) OutOfTolerance() int {
	n := 0
	for _, f := range r.Figures {
		if !f.WithinTolerance {
			n++
		}
	}
	return n
}

// VerdictPair is one objective judged on both sides.
type VerdictPair struct {
	Objective string
	Target    string
	Model     Verdict
	// Measured holds one verdict per run.
	Measured []Verdict
	Agree    bool
}

// Unit says how a figure is read and compared.
type Unit string

// Figure units. Seconds compare by the duration rule, percent by the share
// floor, writes by the duration rule applied to the writes of the floor's
// span at the horizon's average rate.
const (
	UnitSeconds Unit = "seconds"
	UnitPercent Unit = "percent"
	UnitWrites  Unit = "writes"
)

// Figure is one figure on both sides.
type Figure struct {
	Name string
	Unit Unit
	// HasModel and HasMeasured say whether each side has the figure at
	// all: an incident one side saw and the other did not is missing on
	// one.
	HasModel, HasMeasured bool
	Model                 float64
	// Measured is the median over runs, MeasuredMin and MeasuredMax the
	// range.
	Measured, MeasuredMin, MeasuredMax float64
	// Difference is Model - Measured; RelativeDifference divides it by
	// Measured (NaN when Measured is 0).
	Difference, RelativeDifference float64
	// Margin is how far apart the two may be: max(tolerance x measured,
	// floor), or the share floor.
	Margin          float64
	WithinTolerance bool
	// AtSLOEdge marks a downtime or incident bound of a region at the
	// SLO's edge: WithinTolerance then follows the served shares.
	AtSLOEdge bool
	// Note says what the figure is made of, where that is not obvious.
	Note string
}

// Suggestion is what the measured side's mechanisms did, per hosting, next
// to what the experiment assumed.
type Suggestion struct {
	Hosting string
	Values  []Suggested
	// Scale and TimeScale say at which scale the values were measured.
	Scale     int
	TimeScale float64
}

// Suggested is one mechanism's measured value and the experiment's.
type Suggested struct {
	// Attribute is the hosting attribute it sets.
	Attribute string
	// Measured and Assumed are in the attribute's unit: seconds for
	// durations, bytes per second for restore_rate, requests per second
	// for replica_rps.
	Measured, Assumed float64
	// HCL is the attribute as it would be written, with the measured value.
	HCL string
	// How says what was measured.
	How string
	// Samples is how many measurements the median is of.
	Samples int
}

// recorder keeps the detailed observation a driver made, for the figures
// the engine's result does not carry (steps, fault spans, mechanisms).
type recorder struct {
	Driver
	mu  sync.Mutex
	obs *Observation
}

func (r *recorder) Run(ctx context.Context, p *Plan) (*Observation, error) {
	o, err := r.Driver.Run(ctx, p)
	if err == nil && p.Detail {
		r.mu.Lock()
		r.obs = o
		r.mu.Unlock()
	}
	return o, err
}

// Calibrate runs exp once on model and opts.Runs times on measured, with
// the same drawn plan (trial 0: the same seed and fault times), and
// compares them figure by figure.
func Calibrate(ctx context.Context, exp *experiments.Experiment, model, measured Driver, opts CalibrateOptions) (*Calibration, error) {
	if opts.Runs <= 0 {
		opts.Runs = 1
	}
	if opts.Tolerance <= 0 {
		opts.Tolerance = DefaultTolerance
	}
	if opts.Floor <= 0 {
		opts.Floor = DefaultFloor
	}
	if opts.ShareFloor <= 0 {
		opts.ShareFloor = DefaultShareFloor
	}
	base := opts.Baseline
	if base == nil {
		base = model
	}
	ro := Options{Trials: 1, Workers: 1, Sustain: opts.Sustain, Baseline: base}
	mr := &recorder{Driver: model}
	mres, err := Run(ctx, exp, mr, ro)
	if err != nil {
		return nil, fmt.Errorf("calibrate, model side: %w", err)
	}
	c := &Calibration{
		Experiment: exp.Name, File: exp.File, Seed: exp.Seed, Start: exp.Start, Horizon: exp.Duration,
		Faults: mres.Faults, ModelDriver: model.Name(), MeasuredDriver: measured.Name(), Runs: opts.Runs,
		Tolerance: opts.Tolerance, Floor: opts.Floor, ShareFloor: opts.ShareFloor, Model: mres,
	}
	var mobs []*Observation
	for i := 0; i < opts.Runs; i++ {
		if opts.Progress != nil {
			opts.Progress(i+1, opts.Runs)
		}
		rec := &recorder{Driver: measured}
		res, err := Run(ctx, exp, rec, ro)
		if err != nil {
			return nil, fmt.Errorf("calibrate, %s side, run %d of %d: %w", measured.Name(), i+1, opts.Runs, err)
		}
		c.Measured = append(c.Measured, res)
		mobs = append(mobs, rec.obs)
		for _, n := range res.Notes {
			if !slices.Contains(c.Notes, n) {
				c.Notes = append(c.Notes, n)
			}
		}
	}
	c.Regions = c.compare(exp, mr.obs, mobs)
	c.Suggested = suggest(exp, mobs)
	return c, nil
}

// side is one region on one side: its result and its raw observation.
type side struct {
	rr  *RegionResult
	obs *RegionObservation
}

func regionSide(res *Result, obs *Observation, name string) side {
	var s side
	for i := range res.Regions {
		if res.Regions[i].Region == name {
			s.rr = &res.Regions[i]
		}
	}
	if obs != nil {
		for i := range obs.Regions {
			if obs.Regions[i].Region == name {
				s.obs = &obs.Regions[i]
			}
		}
	}
	return s
}

func (c *Calibration) compare(exp *experiments.Experiment, mobs *Observation, runs []*Observation) []CalibratedRegion {
	var out []CalibratedRegion
	for _, reg := range exp.Regions {
		m := regionSide(c.Model, mobs, reg.Name)
		if m.rr == nil {
			continue
		}
		var ms []side
		for i, res := range c.Measured {
			if s := regionSide(res, runs[i], reg.Name); s.rr != nil {
				ms = append(ms, s)
			}
		}
		cr := CalibratedRegion{Region: reg.Name, Hosting: m.rr.Hosting, ModelPass: m.rr.Pass}
		for _, s := range ms {
			cr.MeasuredPass = append(cr.MeasuredPass, s.rr.Pass)
		}
		cr.Verdicts, cr.VerdictsAgree = pairVerdicts(m.rr, ms)
		thr := reg.Objectives.Success()
		cr.AtSLOEdge = atEdge(m.rr, thr, c.ShareFloor)
		for _, s := range ms {
			cr.AtSLOEdge = cr.AtSLOEdge || atEdge(s.rr, thr, c.ShareFloor)
		}
		cr.Figures = c.figures(m, ms, cr.AtSLOEdge)
		out = append(out, cr)
	}
	rankOf := func(r *CalibratedRegion) int {
		switch {
		case !r.VerdictsAgree:
			return 0
		case r.OutOfTolerance() > 0:
			return 1
		}
		return 2
	}
	sort.SliceStable(out, func(i, j int) bool { return rankOf(&out[i]) < rankOf(&out[j]) })
	return out
}

func pairVerdicts(m *RegionResult, ms []side) ([]VerdictPair, bool) {
	agree := true
	var out []VerdictPair
	for _, v := range m.Verdicts {
		p := VerdictPair{Objective: v.Objective, Target: v.Target, Model: v, Agree: true}
		for _, s := range ms {
			for _, w := range s.rr.Verdicts {
				if w.Objective == v.Objective {
					p.Measured = append(p.Measured, w)
					p.Agree = p.Agree && w.Pass == v.Pass
				}
			}
		}
		agree = agree && p.Agree
		out = append(out, p)
	}
	for _, s := range ms {
		agree = agree && s.rr.Pass == m.Pass
	}
	return out, agree
}

// atEdge says whether, for most of some fault-caused incident, the served
// share sat within shareFloor points of the success ratio the SLO needs:
// there, a few points either way move the SLO crossings by minutes or
// hours, and downtime measures the edge, not the service.
func atEdge(rr *RegionResult, thr, shareFloor float64) bool {
	for _, in := range rr.Incidents {
		if !in.FaultCaused || in.Len() <= 0 {
			continue
		}
		var near, total time.Duration
		for i, s := range rr.Served {
			end := in.End
			if i+1 < len(rr.Served) {
				end = rr.Served[i+1].At
			}
			from, to := max(s.At, in.Start), min(end, in.End)
			if to <= from {
				continue
			}
			total += to - from
			if math.Abs(100*(s.Success-thr)) <= shareFloor {
				near += to - from
			}
		}
		if total > 0 && 2*near > in.Len() {
			return true
		}
	}
	return false
}

// values collects a figure's value per run, for figures a run may lack.
type values struct {
	name, note string
	unit       Unit
	model      float64
	hasModel   bool
	runs       []float64
	// spans, for an incident's bounds, are the incident's length on each
	// run: a bound is judged against the incident's length, not against
	// how far into the experiment it fell.
	spans []float64
}

func (c *Calibration) figures(m side, ms []side, edge bool) []Figure {
	var fs []*values
	get := func(name string, unit Unit) *values {
		for _, f := range fs {
			if f.name == name {
				return f
			}
		}
		f := &values{name: name, unit: unit}
		fs = append(fs, f)
		return f
	}
	setModel := func(name string, unit Unit, v float64) {
		f := get(name, unit)
		f.model, f.hasModel = v, true
	}
	sec := func(d time.Duration) float64 { return d.Seconds() }
	each := func(s side, put func(name string, unit Unit, v float64)) {
		rr := s.rr
		put("downtime", UnitSeconds, sec(rr.Downtime))
		n := 0
		for _, in := range rr.Incidents {
			if !in.FaultCaused {
				continue
			}
			n++
			put(fmt.Sprintf("incident %d start", n), UnitSeconds, sec(in.Start))
			put(fmt.Sprintf("incident %d end", n), UnitSeconds, sec(in.End))
			if s.rr != m.rr {
				for _, b := range []string{"start", "end"} {
					f := get(fmt.Sprintf("incident %d %s", n, b), UnitSeconds)
					f.spans = append(f.spans, sec(in.Len()))
				}
			}
		}
		if s.obs != nil {
			for _, st := range stepFigures(s.obs.Steps) {
				put(st.name, UnitSeconds, st.v)
			}
		}
		put("data-loss window", UnitSeconds, sec(rr.DataLoss))
		put("lost writes", UnitWrites, float64(rr.LostWrites))
		if s.obs != nil {
			for _, fsv := range s.obs.FaultServed {
				if slices.Contains(rr.HitBy, fsv.Fault) {
					put("served during "+fsv.Fault, UnitPercent, 100*fsv.Share())
				}
			}
		}
		put("served over the horizon", UnitPercent, 100*rr.ServedRatio)
		// Response time where the region holds an objective on it: the
		// worst percentile over the moments served, and the time slow.
		if o := rr.Objectives; o.LatencyP95 > 0 || o.LatencyP99 > 0 {
			if o.LatencyP95 > 0 {
				put(figP95, UnitSeconds, sec(rr.P95))
			}
			if o.LatencyP99 > 0 {
				put(figP99, UnitSeconds, sec(rr.P99))
			}
			put(figSlow, UnitSeconds, sec(rr.Slow))
		}
		put("availability", UnitPercent, rr.Availability)
	}
	each(m, setModel)
	for i, s := range ms {
		each(s, func(name string, unit Unit, v float64) {
			f := get(name, unit)
			for len(f.runs) < i {
				f.runs = append(f.runs, math.NaN())
			}
			f.runs = append(f.runs, v)
		})
	}
	// A step one side never took took no time there: the model has no
	// catch-up and no real dump, and saying 0 is what it assumes.
	for _, f := range fs {
		if k, ok := stepNames[f.name]; ok {
			if !f.hasModel {
				f.model, f.hasModel = 0, true
			}
			for len(f.runs) < len(ms) {
				f.runs = append(f.runs, 0)
			}
			for i, v := range f.runs {
				if math.IsNaN(v) {
					f.runs[i] = 0
				}
			}
			f.note = k
		}
	}
	sort.SliceStable(fs, func(i, j int) bool { return figureOrder(fs[i].name) < figureOrder(fs[j].name) })
	var out []Figure
	var shareOK = true
	for _, f := range fs {
		fig := c.figure(f, ms)
		if f.unit == UnitPercent && f.name != "availability" {
			shareOK = shareOK && fig.WithinTolerance
		}
		out = append(out, fig)
	}
	allLost := m.rr.AllDataLost
	for _, s := range ms {
		allLost = allLost && s.rr.AllDataLost
	}
	if allLost {
		// Everything was lost on both: the window and the writes then
		// count only what each driver held (the model the experiment's
		// writes, the real stack also the history it was seeded with),
		// not a figure of the hosting.
		for i := range out {
			if out[i].Name == "data-loss window" || out[i].Name == "lost writes" {
				out[i].WithinTolerance = out[i].HasModel && out[i].HasMeasured
				out[i].Note = "all data lost on both drivers: this counts only the writes each held"
			}
		}
	}
	if edge {
		for i := range out {
			if out[i].Name == "downtime" || out[i].Name == "availability" || isIncidentBound(out[i].Name) {
				out[i].AtSLOEdge = true
				out[i].WithinTolerance = shareOK && out[i].HasModel && out[i].HasMeasured
				out[i].Note = "at the SLO's edge: agreement rests on the served shares"
			}
		}
	}
	return out
}

func isIncidentBound(name string) bool {
	var n int
	var which string
	k, _ := fmt.Sscanf(name, "incident %d %s", &n, &which)
	return k == 2
}

func (c *Calibration) figure(f *values, ms []side) Figure {
	fig := Figure{Name: f.name, Unit: f.unit, HasModel: f.hasModel, Model: f.model, Note: f.note}
	var rs []float64
	for _, v := range f.runs {
		if !math.IsNaN(v) {
			rs = append(rs, v)
		}
	}
	if len(rs) > 0 {
		fig.HasMeasured = true
		fig.Measured, fig.MeasuredMin, fig.MeasuredMax = median(rs), slices.Min(rs), slices.Max(rs)
	}
	if len(rs) < len(ms) && len(rs) > 0 {
		// some run lacked it: the figure is not the same on every run.
		fig.Note = fmt.Sprintf("seen in %d of %d runs", len(rs), len(ms))
	}
	if !fig.HasModel || !fig.HasMeasured {
		fig.RelativeDifference = math.NaN()
		return fig
	}
	fig.Difference = fig.Model - fig.Measured
	fig.RelativeDifference = math.NaN()
	if fig.Measured != 0 {
		fig.RelativeDifference = fig.Difference / fig.Measured
	}
	margin := func(v float64) float64 { return c.margin(f, ms, v) }
	fig.Margin = margin(fig.Measured)
	fig.WithinTolerance = math.Abs(fig.Difference) <= fig.Margin+1e-9
	if len(rs) > 1 && !fig.WithinTolerance {
		fig.WithinTolerance = fig.Model >= fig.MeasuredMin-margin(fig.MeasuredMin)-1e-9 &&
			fig.Model <= fig.MeasuredMax+margin(fig.MeasuredMax)+1e-9
	}
	if f.name == "availability" {
		// Availability is judged on the time out of SLO it stands for,
		// by the duration rule: 3 points of a year are 11 days.
		h := c.Horizon.Seconds()
		out := func(a float64) float64 { return h * (100 - a) / 100 }
		fig.Margin = 100 * max(c.Tolerance*out(fig.Measured), c.Floor.Seconds()) / h
		fig.WithinTolerance = math.Abs(fig.Difference) <= fig.Margin+1e-9
		if len(rs) > 1 && !fig.WithinTolerance {
			lo := fig.MeasuredMin - 100*max(c.Tolerance*out(fig.MeasuredMin), c.Floor.Seconds())/h
			hi := fig.MeasuredMax + 100*max(c.Tolerance*out(fig.MeasuredMax), c.Floor.Seconds())/h
			fig.WithinTolerance = fig.Model >= lo-1e-9 && fig.Model <= hi+1e-9
		}
	}
	return fig
}

// margin is how far the model may lie from a measured value v.
func (c *Calibration) margin(f *values, ms []side, v float64) float64 {
	switch f.unit {
	case UnitPercent:
		return c.ShareFloor
	case UnitWrites:
		// the writes of the floor's span at the horizon's average rate.
		var acked []float64
		for _, s := range ms {
			acked = append(acked, float64(s.rr.AckedWrites))
		}
		floor := 0.0
		if len(acked) > 0 && c.Horizon > 0 {
			floor = median(acked) / c.Horizon.Seconds() * c.Floor.Seconds()
		}
		return max(c.Tolerance*math.Abs(v), floor)
	}
	if len(f.spans) > 0 {
		// an incident's bound: within the tolerance of its length.
		v = median(f.spans)
	}
	if f.name == figP95 || f.name == figP99 {
		// a response time: the floor is for minutes of recovery, not for
		// milliseconds; latencyFloor stands for a loaded host's jitter.
		return max(c.Tolerance*math.Abs(v), latencyFloor.Seconds())
	}
	return max(c.Tolerance*math.Abs(v), c.Floor.Seconds())
}

// The response-time figures, and the floor under their margin: a
// scheduler tick and loopback jitter on a loaded host.
const (
	figP95       = "worst p95 response time"
	figP99       = "worst p99 response time"
	figSlow      = "time slow"
	latencyFloor = 10 * time.Millisecond
)

// figureOrder sorts a region's figures: downtime, the incidents, the
// recovery steps in the order they happen, the data lost, the shares
// served, availability.
func figureOrder(name string) int {
	var n int
	var b string
	if k, _ := fmt.Sscanf(name, "incident %d %s", &n, &b); k == 2 {
		if b == "end" {
			return 100 + 2*n + 1
		}
		return 100 + 2*n
	}
	if i := slices.Index(stepOrder, name); i >= 0 {
		return 1000 + i
	}
	switch name {
	case "downtime":
		return 0
	case "data-loss window":
		return 2000
	case "lost writes":
		return 2001
	case "served over the horizon":
		return 3001
	case figP95:
		return 3002
	case figP99:
		return 3003
	case figSlow:
		return 3004
	case "availability":
		return 3005
	}
	return 3000 // served during a fault
}

// stepOrder is the order recovery steps happen in.
var stepOrder = []string{"detection", "operator response", "provisioning", "promotion", "restore", "restore, measured part",
	"restore, modeled part", "restart", "power back", "catch-up (service back)", "drain after the load"}

// stepNames are the recovery-step figures and what each is made of.
var stepNames = map[string]string{
	"detection":               "modeled on both: the hosting's detection",
	"operator response":       "modeled on both: the hosting's operator_response",
	"provisioning":            "modeled on both: the hosting's provisioning",
	"promotion":               "measured: fencing the old primary, pg_ctl promote, until the new primary takes writes",
	"restore":                 "both parts of the restore",
	"restore, measured part":  "pg_restore of the stack's real dump; the model has no real dump",
	"restore, modeled part":   "data_size / restore_rate",
	"restart":                 "the hosting's restart (modeled), then the real process coming back (measured)",
	"power back":              "measured: the database replaying its WAL once the power is back",
	"catch-up (service back)": "measured: the database back until users are served; the model assumes none",
	"drain after the load":    "measured: the load's end until users are served, its backlog worked through; the model assumes none",
}

type stepFigure struct {
	name string
	v    float64
}

// stepFigures totals each kind of step over the run: with one fault, each
// is the step's duration.
func stepFigures(steps []Step) []stepFigure {
	var out []stepFigure
	add := func(name string, d time.Duration) {
		for i := range out {
			if out[i].name == name {
				out[i].v += d.Seconds()
				return
			}
		}
		out = append(out, stepFigure{name, d.Seconds()})
	}
	for _, s := range steps {
		switch s.Kind {
		case StepDetection:
			add("detection", s.Took)
		case StepOperator:
			add("operator response", s.Took)
		case StepProvisioning:
			add("provisioning", s.Took)
		case StepPromotion:
			add("promotion", s.Took)
		case StepRestore:
			add("restore", s.Took)
			if s.Basis == Measured {
				add("restore, measured part", s.Took)
			} else {
				add("restore, modeled part", s.Took)
			}
		case StepRestart:
			add("restart", s.Took)
		case StepPowerBack:
			add("power back", s.Took)
		case StepCatchUp:
			add("catch-up (service back)", s.Took)
		case StepDrain:
			add("drain after the load", s.Took)
		}
	}
	return out
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	sort.Float64s(s)
	n := len(s)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// suggest gathers the measured mechanisms per hosting, as medians over
// every run and every region on that hosting.
func suggest(exp *experiments.Experiment, runs []*Observation) []Suggestion {
	var out []Suggestion
	for _, h := range exp.Hostings {
		var prom, restart, lag, restore, capacity []float64
		scale := 0
		for _, obs := range runs {
			if obs == nil {
				continue
			}
			for _, ro := range obs.Regions {
				if ro.Hosting != h.Name {
					continue
				}
				for _, s := range ro.Steps {
					switch {
					case s.Kind == StepPromotion && s.Basis == Measured:
						prom = append(prom, s.Took.Seconds())
					case (s.Kind == StepRestart || s.Kind == StepPowerBack) && s.Basis == Measured:
						restart = append(restart, s.Took.Seconds())
					}
				}
				if m := ro.Mechanisms; m != nil {
					scale = m.Scale
					if m.LagSampled && h.Replication == experiments.ReplicationAsync {
						lag = append(lag, m.ReplicationLag.Seconds())
					}
					if m.RestoreBytes > 0 && m.RestoreTook > 0 {
						restore = append(restore, m.RestoreBytes/m.RestoreTook.Seconds())
					}
					if m.CapacityRPS > 0 && m.AppServers > 0 {
						capacity = append(capacity, m.CapacityRPS/float64(m.AppServers))
					}
				}
			}
		}
		sg := Suggestion{Hosting: h.Name, Scale: scale, TimeScale: exp.TimeScale}
		dur := func(attr string, v []float64, assumed time.Duration, how string) {
			if len(v) == 0 {
				return
			}
			d := time.Duration(median(v) * float64(time.Second))
			if d >= time.Second {
				d = d.Round(100 * time.Millisecond)
			} else {
				d = d.Round(time.Millisecond)
			}
			sg.Values = append(sg.Values, Suggested{Attribute: attr, Measured: d.Seconds(), Assumed: assumed.Seconds(),
				HCL: fmt.Sprintf("%s = %q", attr, faults.FormatDuration(d)), How: how, Samples: len(v)})
		}
		dur("promotion", prom, h.Promotion, "pg_ctl promote until the new primary takes writes")
		dur("restart", restart, h.Restart, "a killed process, or a powered-off database, back and answering")
		dur("replication_lag", lag, h.ReplicationLag, "the standby's largest replay lag, sampled on the primary before any fault")
		if len(restore) > 0 {
			r := median(restore)
			sg.Values = append(sg.Values, Suggested{Attribute: "restore_rate", Measured: r, Assumed: h.RestoreRate,
				HCL: fmt.Sprintf("restore_rate = %q", RateText(r)), How: "the real dump restored into a new database (pg_restore), over the time it took", Samples: len(restore)})
		}
		if len(capacity) > 0 && scale > 0 {
			perApp := median(capacity)
			sg.Values = append(sg.Values, Suggested{Attribute: "replica_rps", Measured: perApp * float64(scale), Assumed: h.ReplicaRPS,
				HCL: fmt.Sprintf("replica_rps = %.0f", perApp*float64(scale)),
				How: fmt.Sprintf("%.1f real requests/s per app server at saturation, x %d real users per virtual user", perApp, scale), Samples: len(capacity)})
		}
		if len(sg.Values) > 0 {
			out = append(out, sg)
		}
	}
	return out
}

// RateText writes bytes per second the way restore_rate is written.
func RateText(bps float64) string {
	switch {
	case bps >= 1e9:
		return fmt.Sprintf("%.1fGB/s", bps/1e9)
	case bps >= 1e6:
		return fmt.Sprintf("%.1fMB/s", bps/1e6)
	case bps >= 1e3:
		return fmt.Sprintf("%.0fKB/s", bps/1e3)
	}
	return fmt.Sprintf("%.0fB/s", max(bps, 1))
}

// HCL is the suggestion as a block to paste into the hosting, saying where
// and at which scale it was measured.
func (s Suggestion) HCL() string {
	var b []byte
	b = fmt.Appendf(b, "# Measured here by firedrill calibrate, on this machine's real stack, at scale %d\n# (1 virtual user = %d real users) and time_scale %g: values of this machine\n# at this scale, not of a production database.\nhosting %q {\n",
		s.Scale, s.Scale, s.TimeScale, s.Hosting)
	w := 0
	for _, v := range s.Values {
		w = max(w, len(v.Attribute))
	}
	for _, v := range s.Values {
		attr, val, _ := cutHCL(v.HCL)
		b = fmt.Appendf(b, "  %-*s = %s # %s (median of %d)\n", w, attr, val, v.How, v.Samples)
	}
	b = append(b, "}\n"...)
	return string(b)
}

func cutHCL(s string) (string, string, bool) {
	for i := 0; i+2 < len(s); i++ {
		if s[i:i+3] == " = " {
			return s[:i], s[i+3:], true
		}
	}
	return s, "", false
}
