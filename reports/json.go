package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/firedrill/firedrill/engine"
)

func init() { register("json", jsonWriter{}) }

// Schema versions; bump on any incompatible change and document it in
// SCHEMA.md.
const (
	RunSchema     = "firedrill.report/v1"
	CompareSchema = "firedrill.compare/v1"
	// RunsSchema wraps the reports of several experiment files run at once.
	RunsSchema = "firedrill.reports/v1"
)

// jsonWriter is the machine-readable format. Every object is a struct so the
// key order is stable and golden files do not churn.
type jsonWriter struct{}

type jsonExperiment struct {
	Name           string  `json:"name"`
	Description    string  `json:"description"`
	File           string  `json:"file"`
	Start          string  `json:"start"`
	HorizonSeconds float64 `json:"horizon_seconds"`
	Seed           int64   `json:"seed"`
	Driver         string  `json:"driver"`
	Trials         int     `json:"trials"`
}

type jsonFault struct {
	ID        string  `json:"id"`
	Kind      string  `json:"kind"`
	Name      string  `json:"name"`
	AtSeconds float64 `json:"at_seconds"`
	AtTime    string  `json:"at_time"`
}

type jsonObjectives struct {
	RTOSeconds   *float64 `json:"rto_seconds,omitempty"`
	RPOSeconds   *float64 `json:"rpo_seconds,omitempty"`
	Availability *float64 `json:"availability,omitempty"`
	SuccessRatio *float64 `json:"success_ratio,omitempty"`
	LatencyP95   *float64 `json:"latency_p95_seconds,omitempty"`
	LatencyP99   *float64 `json:"latency_p99_seconds,omitempty"`
}

type jsonVerdict struct {
	Objective string `json:"objective"`
	Target    string `json:"target"`
	Actual    string `json:"actual"`
	Pass      bool   `json:"pass"`
}

type jsonEvent struct {
	AtSeconds   float64 `json:"at_seconds"`
	AtTime      string  `json:"at_time"`
	Kind        string  `json:"kind"`
	Text        string  `json:"text"`
	Basis       string  `json:"basis"`
	Fault       string  `json:"fault,omitempty"`
	TookSeconds float64 `json:"took_seconds,omitempty"`
}

type jsonQuantiles struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	Max float64 `json:"max"`
}

type jsonTrials struct {
	N                   int           `json:"n"`
	Passed              int           `json:"passed"`
	AllDataLost         int           `json:"all_data_lost"`
	Unrecovered         int           `json:"unrecovered"`
	DowntimeSeconds     jsonQuantiles `json:"downtime_seconds"`
	DataLossSeconds     jsonQuantiles `json:"data_loss_seconds"`
	LostWrites          jsonQuantiles `json:"lost_writes"`
	AvailabilityPercent jsonQuantiles `json:"availability"`
	ServedRatio         jsonQuantiles `json:"served_ratio"`
	DowntimeHistogram   []jsonBin     `json:"downtime_histogram"`
	DataLossHistogram   []jsonBin     `json:"data_loss_histogram"`
}

type jsonBin struct {
	Seconds float64 `json:"seconds"`
	Count   int     `json:"count"`
}

type jsonOutage struct {
	StartSeconds float64  `json:"start_seconds"`
	EndSeconds   float64  `json:"end_seconds"`
	State        string   `json:"state,omitempty"`
	Cause        []string `json:"cause"`
	Recovery     string   `json:"recovery,omitempty"`
}

type jsonIncident struct {
	StartSeconds    float64  `json:"start_seconds"`
	EndSeconds      float64  `json:"end_seconds"`
	State           string   `json:"state"`
	Cause           []string `json:"cause"`
	FaultCaused     bool     `json:"fault_caused"`
	Recovery        string   `json:"recovery"`
	ServedRatio     float64  `json:"served_ratio"`
	DataLossSeconds float64  `json:"data_loss_seconds"`
	LostWrites      int64    `json:"lost_writes"`
	AllDataLost     bool     `json:"all_data_lost"`
}

type jsonBaseline struct {
	Availability    float64 `json:"availability"`
	ServedRatio     float64 `json:"served_ratio"`
	OutOfSLOSeconds float64 `json:"out_of_slo_seconds"`
}

// jsonSLA is the availability the hosting's provider advertises, against
// the availability the experiment produced.
type jsonSLA struct {
	Provider        string  `json:"provider"`
	AvailabilitySLA float64 `json:"availability_sla"`
	BelowSLA        bool    `json:"below_sla"`
}

type jsonRegion struct {
	Region          string         `json:"region"`
	Hosting         string         `json:"hosting"`
	HitBy           []string       `json:"hit_by"`
	Recovered       bool           `json:"recovered"`
	Recovery        string         `json:"recovery"`
	DowntimeSeconds float64        `json:"downtime_seconds"`
	OutOfSLOSeconds float64        `json:"out_of_slo_seconds"`
	DataLossSeconds float64        `json:"data_loss_seconds"`
	LostWrites      int64          `json:"lost_writes"`
	AckedWrites     int64          `json:"acked_writes"`
	AllDataLost     bool           `json:"all_data_lost"`
	Availability    float64        `json:"availability"`
	ServedRatio     float64        `json:"served_ratio"`
	LatencyP95      *float64       `json:"latency_p95_seconds"`
	LatencyP99      *float64       `json:"latency_p99_seconds"`
	SlowSeconds     float64        `json:"slow_seconds"`
	UserHoursLost   float64        `json:"user_hours_lost"`
	MonthlyCost     float64        `json:"monthly_cost"`
	Objectives      jsonObjectives `json:"objectives"`
	Verdicts        []jsonVerdict  `json:"verdicts"`
	Verdict         string         `json:"verdict"`
	Outages         []jsonOutage   `json:"outages"`
	Incidents       []jsonIncident `json:"incidents"`
	Baseline        *jsonBaseline  `json:"baseline,omitempty"`
	SLA             *jsonSLA       `json:"sla,omitempty"`
	Timeline        []jsonEvent    `json:"timeline"`
	Phases          []jsonPhase    `json:"phases,omitempty"`
	Trials          *jsonTrials    `json:"trials,omitempty"`
	Rank            int            `json:"rank,omitempty"`
	// CheapestPassing marks, in a comparison, the cheapest offer that meets
	// all of the region's objectives.
	CheapestPassing bool `json:"cheapest_passing,omitempty"`
}

// jsonPhase is measured latency and errors before, during or after the
// faults (containers driver only).
type jsonPhase struct {
	Name     string  `json:"name"`
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"`
	P50Ms    float64 `json:"p50_ms"`
	P99Ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
}

type jsonRun struct {
	Schema     string         `json:"schema"`
	Experiment jsonExperiment `json:"experiment"`
	Faults     []jsonFault    `json:"faults"`
	Regions    []jsonRegion   `json:"regions"`
	Pass       bool           `json:"pass"`
	Notes      []string       `json:"notes"`
}

type jsonRuns struct {
	Schema  string    `json:"schema"`
	Pass    bool      `json:"pass"`
	Reports []jsonRun `json:"reports"`
}

type jsonCompare struct {
	Schema     string         `json:"schema"`
	Experiment jsonExperiment `json:"experiment"`
	Faults     []jsonFault    `json:"faults"`
	Hostings   []string       `json:"hostings"`
	Rows       []jsonRegion   `json:"rows"`
	// Pass is true when every region has an offer that meets all of its
	// objectives; compare exits 1 otherwise.
	Pass            bool       `json:"pass"`
	CheapestPassing *jsonOffer `json:"cheapest_passing"`
	RankRule        string     `json:"rank_rule"`
	Notes           []string   `json:"notes"`
}

// jsonOffer is a hosting offer and its monthly cost.
type jsonOffer struct {
	Hosting     string  `json:"hosting"`
	MonthlyCost float64 `json:"monthly_cost"`
}

// round3 keeps three decimals so floating noise never reaches goldens.
func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// round4 keeps four decimals: a served ratio of 0.9996 must not read 1.
func round4(f float64) float64 { return math.Round(f*10000) / 10000 }

func jsonSecs(d time.Duration) float64 { return round3(d.Seconds()) }

func jsonQ(q engine.Quantiles) jsonQuantiles {
	return jsonQuantiles{P50: round3(q.P50), P95: round3(q.P95), Max: round3(q.Max)}
}

func jsonExp(r *engine.Result) (jsonExperiment, []jsonFault) {
	e := jsonExperiment{
		Name: r.Experiment, Description: r.Description, File: r.File,
		Start: r.Start.Format(time.RFC3339), HorizonSeconds: jsonSecs(r.Horizon),
		Seed: r.Seed, Driver: r.Driver, Trials: r.Trials,
	}
	fs := []jsonFault{}
	for _, f := range sortedFaults(r.Faults) {
		jf := jsonFault{ID: faultID(f), AtSeconds: jsonSecs(f.At), AtTime: wallClock(r.Start, f.At)}
		if f.Fault != nil {
			jf.Kind, jf.Name = f.Fault.Kind(), f.Fault.Name()
		}
		fs = append(fs, jf)
	}
	return e, fs
}

func jsonReg(r *engine.Result, rr *engine.RegionResult) jsonRegion {
	o := rr.Objectives
	var jo jsonObjectives
	if o.RTOSet {
		v := jsonSecs(o.RTO)
		jo.RTOSeconds = &v
	}
	if o.RPOSet {
		v := jsonSecs(o.RPO)
		jo.RPOSeconds = &v
	}
	if o.Availability > 0 {
		v := round3(o.Availability)
		jo.Availability = &v
	}
	if o.SuccessRatio > 0 {
		v := round3(o.SuccessRatio)
		jo.SuccessRatio = &v
	}
	jo.LatencyP95, jo.LatencyP99 = jsonLatency(o.LatencyP95), jsonLatency(o.LatencyP99)
	j := jsonRegion{
		Region: rr.Region, Hosting: rr.Hosting, HitBy: append([]string{}, rr.HitBy...),
		Recovered: rr.Recovered, Recovery: string(rr.Recovery),
		DowntimeSeconds: jsonSecs(rr.Downtime), OutOfSLOSeconds: jsonSecs(rr.OutOfSLO),
		DataLossSeconds: jsonSecs(rr.DataLoss), LostWrites: rr.LostWrites, AckedWrites: rr.AckedWrites,
		AllDataLost: rr.AllDataLost, Availability: engine.RoundAvailability(rr.Availability), ServedRatio: round4(rr.ServedRatio),
		UserHoursLost: round3(rr.UserHoursLost), MonthlyCost: round3(rr.MonthlyCost),
		LatencyP95: jsonLatency(rr.P95), LatencyP99: jsonLatency(rr.P99), SlowSeconds: jsonSecs(rr.Slow),
		Objectives: jo, Verdicts: []jsonVerdict{}, Verdict: "fail",
		Outages: []jsonOutage{}, Incidents: []jsonIncident{}, Timeline: []jsonEvent{},
	}
	if rr.Pass {
		j.Verdict = "pass"
	}
	for _, v := range rr.Verdicts {
		j.Verdicts = append(j.Verdicts, jsonVerdict(v))
	}
	for _, o := range rr.Outages {
		j.Outages = append(j.Outages, jsonOutage{StartSeconds: jsonSecs(o.Start), EndSeconds: jsonSecs(o.End),
			State: string(o.State), Cause: append([]string{}, o.Cause...), Recovery: string(o.Recovery)})
	}
	for _, in := range rr.Incidents {
		j.Incidents = append(j.Incidents, jsonIncident{StartSeconds: jsonSecs(in.Start), EndSeconds: jsonSecs(in.End),
			State: string(in.State), Cause: append([]string{}, in.Cause...), FaultCaused: in.FaultCaused,
			Recovery: string(in.Recovery), ServedRatio: round4(in.ServedRatio), DataLossSeconds: jsonSecs(in.DataLoss),
			LostWrites: in.LostWrites, AllDataLost: in.AllDataLost})
	}
	if b := rr.Baseline; b != nil {
		j.Baseline = &jsonBaseline{Availability: engine.RoundAvailability(b.Availability), ServedRatio: round4(b.ServedRatio), OutOfSLOSeconds: jsonSecs(b.OutOfSLO)}
	}
	if sla, ok := slaOf(r, rr); ok {
		j.SLA = &jsonSLA{Provider: sla.Provider, AvailabilitySLA: round3(sla.Advertised), BelowSLA: sla.Below}
	}
	for _, e := range rr.Timeline {
		j.Timeline = append(j.Timeline, jsonEvent{
			AtSeconds: jsonSecs(e.At), AtTime: wallClock(r.Start, e.At), Kind: string(e.Kind),
			Text: e.Text, Basis: string(e.Basis), Fault: e.Fault, TookSeconds: jsonSecs(e.Took),
		})
	}
	for _, ph := range rr.Phases {
		ms := func(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }
		j.Phases = append(j.Phases, jsonPhase{Name: ph.Name, Requests: ph.Requests, Errors: ph.Errors, P50Ms: ms(ph.P50), P99Ms: ms(ph.P99), MaxMs: ms(ph.Max)})
	}
	if d := rr.Trials; d != nil {
		j.Trials = &jsonTrials{N: d.N, Passed: d.Passed, AllDataLost: d.AllDataLost, Unrecovered: d.Unrecovered,
			DowntimeSeconds: jsonQ(d.Downtime), DataLossSeconds: jsonQ(d.DataLoss), LostWrites: jsonQ(d.LostWrites),
			AvailabilityPercent: jsonQuantiles{P50: engine.RoundAvailability(d.Availability.P50), P95: engine.RoundAvailability(d.Availability.P95), Max: engine.RoundAvailability(d.Availability.Max)},
			ServedRatio:         jsonQuantiles{P50: round4(d.ServedRatio.P50), P95: round4(d.ServedRatio.P95), Max: round4(d.ServedRatio.Max)},
			DowntimeHistogram:   jsonBins(d.Downtimes), DataLossHistogram: jsonBins(d.DataLosses)}
	}
	return j
}

func jsonBins(bins []engine.Bin) []jsonBin {
	out := make([]jsonBin, 0, len(bins))
	for _, b := range bins {
		out = append(out, jsonBin{Seconds: jsonSecs(b.Value), Count: b.Count})
	}
	return out
}

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("json report: %w", err)
	}
	return nil
}

func jsonRunOf(r *engine.Result) jsonRun {
	out := jsonRun{Schema: RunSchema, Regions: []jsonRegion{}, Pass: r.Pass(), Notes: append([]string{}, r.Notes...)}
	out.Experiment, out.Faults = jsonExp(r)
	for i := range r.Regions {
		out.Regions = append(out.Regions, jsonReg(r, &r.Regions[i]))
	}
	return out
}

// WriteRun writes a firedrill.report/v1 document.
func (jsonWriter) WriteRun(w io.Writer, r *engine.Result) error {
	if r == nil {
		return fmt.Errorf("json report: no result")
	}
	return jsonEncode(w, jsonRunOf(r))
}

// WriteRuns writes one firedrill.report/v1 document for one result, and a
// firedrill.reports/v1 object holding one per experiment for several.
func (j jsonWriter) WriteRuns(w io.Writer, rs []*engine.Result) error {
	if len(rs) == 1 {
		return j.WriteRun(w, rs[0])
	}
	out := jsonRuns{Schema: RunsSchema, Pass: true, Reports: []jsonRun{}}
	for _, r := range rs {
		if r == nil {
			return fmt.Errorf("json report: no result")
		}
		out.Pass = out.Pass && r.Pass()
		out.Reports = append(out.Reports, jsonRunOf(r))
	}
	return jsonEncode(w, out)
}

// WriteComparison writes a firedrill.compare/v1 document, rows by region
// then rank.
func (jsonWriter) WriteComparison(w io.Writer, c *engine.Comparison) error {
	if c == nil {
		return fmt.Errorf("json report: no comparison")
	}
	out := jsonCompare{Schema: CompareSchema, Hostings: append([]string{}, c.Hostings...), Rows: []jsonRegion{},
		Pass: c.Pass(), RankRule: engine.RankRule, Notes: append([]string{}, c.Notes...)}
	out.Experiment, out.Faults = jsonExp(&c.Result)
	if h, cost, ok := c.CheapestPassing(); ok {
		out.CheapestPassing = &jsonOffer{Hosting: h, MonthlyCost: round3(cost)}
	}
	for _, row := range sortedRows(c) {
		j := jsonReg(&c.Result, &row.RegionResult)
		j.Rank = row.Rank
		if best, ok := c.CheapestPassingFor(row.Region); ok && best.Hosting == row.Hosting {
			j.CheapestPassing = true
		}
		out.Rows = append(out.Rows, j)
	}
	return jsonEncode(w, out)
}

// jsonLatency is a response time in seconds to the millisecond, nil (null,
// or omitted in objectives) when there is none.
func jsonLatency(d time.Duration) *float64 {
	if d <= 0 {
		return nil
	}
	v := round3(d.Seconds())
	return &v
}
