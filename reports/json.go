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
}

type jsonVerdict struct {
	Objective string `json:"objective"`
	Target    string `json:"target"`
	Actual    string `json:"actual"`
	Pass      bool   `json:"pass"`
}

type jsonSpan struct {
	StartSeconds float64 `json:"start_seconds"`
	EndSeconds   float64 `json:"end_seconds"`
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
	DowntimeSeconds     jsonQuantiles `json:"downtime_seconds"`
	DataLossSeconds     jsonQuantiles `json:"data_loss_seconds"`
	LostWrites          jsonQuantiles `json:"lost_writes"`
	AvailabilityPercent jsonQuantiles `json:"availability"`
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
	UserHoursLost   float64        `json:"user_hours_lost"`
	MonthlyCost     float64        `json:"monthly_cost"`
	Objectives      jsonObjectives `json:"objectives"`
	Verdicts        []jsonVerdict  `json:"verdicts"`
	Verdict         string         `json:"verdict"`
	Outages         []jsonSpan     `json:"outages"`
	Timeline        []jsonEvent    `json:"timeline"`
	Phases          []jsonPhase    `json:"phases,omitempty"`
	Trials          *jsonTrials    `json:"trials,omitempty"`
	Rank            int            `json:"rank,omitempty"`
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

type jsonCompare struct {
	Schema     string         `json:"schema"`
	Experiment jsonExperiment `json:"experiment"`
	Faults     []jsonFault    `json:"faults"`
	Hostings   []string       `json:"hostings"`
	Rows       []jsonRegion   `json:"rows"`
	Notes      []string       `json:"notes"`
}

// round3 keeps three decimals so floating noise never reaches goldens.
func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

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
	for _, f := range r.Faults {
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
	j := jsonRegion{
		Region: rr.Region, Hosting: rr.Hosting, HitBy: append([]string{}, rr.HitBy...),
		Recovered: rr.Recovered, Recovery: string(rr.Recovery),
		DowntimeSeconds: jsonSecs(rr.Downtime), OutOfSLOSeconds: jsonSecs(rr.OutOfSLO),
		DataLossSeconds: jsonSecs(rr.DataLoss), LostWrites: rr.LostWrites, AckedWrites: rr.AckedWrites,
		AllDataLost: rr.AllDataLost, Availability: round3(rr.Availability),
		UserHoursLost: round3(rr.UserHoursLost), MonthlyCost: round3(rr.MonthlyCost),
		Objectives: jo, Verdicts: []jsonVerdict{}, Verdict: "fail",
		Outages: []jsonSpan{}, Timeline: []jsonEvent{},
	}
	if rr.Pass {
		j.Verdict = "pass"
	}
	for _, v := range rr.Verdicts {
		j.Verdicts = append(j.Verdicts, jsonVerdict(v))
	}
	for _, s := range rr.Outages {
		j.Outages = append(j.Outages, jsonSpan{StartSeconds: jsonSecs(s.Start), EndSeconds: jsonSecs(s.End)})
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
		j.Trials = &jsonTrials{N: d.N, Passed: d.Passed, DowntimeSeconds: jsonQ(d.Downtime),
			DataLossSeconds: jsonQ(d.DataLoss), LostWrites: jsonQ(d.LostWrites), AvailabilityPercent: jsonQ(d.Availability)}
	}
	return j
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

// WriteRun writes a firedrill.report/v1 document.
func (jsonWriter) WriteRun(w io.Writer, r *engine.Result) error {
	if r == nil {
		return fmt.Errorf("json report: no result")
	}
	out := jsonRun{Schema: RunSchema, Regions: []jsonRegion{}, Pass: r.Pass(), Notes: append([]string{}, r.Notes...)}
	out.Experiment, out.Faults = jsonExp(r)
	for i := range r.Regions {
		out.Regions = append(out.Regions, jsonReg(r, &r.Regions[i]))
	}
	return jsonEncode(w, out)
}

// WriteComparison writes a firedrill.compare/v1 document, rows by region
// then rank.
func (jsonWriter) WriteComparison(w io.Writer, c *engine.Comparison) error {
	if c == nil {
		return fmt.Errorf("json report: no comparison")
	}
	out := jsonCompare{Schema: CompareSchema, Hostings: append([]string{}, c.Hostings...), Rows: []jsonRegion{}, Notes: append([]string{}, c.Notes...)}
	out.Experiment, out.Faults = jsonExp(&c.Result)
	for _, row := range sortedRows(c) {
		j := jsonReg(&c.Result, &row.RegionResult)
		j.Rank = row.Rank
		out.Rows = append(out.Rows, j)
	}
	return jsonEncode(w, out)
}
