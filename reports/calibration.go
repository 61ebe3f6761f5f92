package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/firedrill/firedrill/engine"
)

// CalibrationSchema is the JSON schema of firedrill calibrate; document any
// change in SCHEMA.md.
const CalibrationSchema = "firedrill.calibration/v1"

// CalibrationFormats are the formats firedrill calibrate writes.
var CalibrationFormats = []string{"table", "json", "markdown", "html"}

// WriteCalibration writes a calibration in one of CalibrationFormats.
func WriteCalibration(w io.Writer, c *engine.Calibration, format string) error {
	if c == nil {
		return fmt.Errorf("calibration report: no calibration")
	}
	switch format {
	case "table":
		return calibrationText(w, c, false)
	case "markdown":
		return calibrationText(w, c, true)
	case "json":
		return calibrationJSON(w, c)
	case "html":
		return calibrationHTML(w, c)
	}
	return fmt.Errorf("calibration report: unknown format %q (have %s)", format, strings.Join(CalibrationFormats, ", "))
}

// FigureText writes one side of a figure in its unit.
func FigureText(unit engine.Unit, v float64) string {
	switch unit {
	case engine.UnitSeconds:
		if math.Abs(v) < 10 {
			// response times and short steps: to the millisecond.
			return fmtDur(time.Duration(math.Round(v*1000)) * time.Millisecond)
		}
		return fmtDur(time.Duration(math.Round(v*10)) * time.Second / 10)
	case engine.UnitPercent:
		return fmt.Sprintf("%.1f%%", v)
	}
	return fmt.Sprintf("%.0f", v)
}

func figureModel(f engine.Figure) string {
	if !f.HasModel {
		return "—"
	}
	return FigureText(f.Unit, f.Model)
}

func figureMeasured(f engine.Figure, runs int) string {
	if !f.HasMeasured {
		return "—"
	}
	s := FigureText(f.Unit, f.Measured)
	if runs > 1 {
		s += " (" + FigureText(f.Unit, f.MeasuredMin) + "–" + FigureText(f.Unit, f.MeasuredMax) + ")"
	}
	return s
}

func figureDiff(f engine.Figure) string {
	if !f.HasModel || !f.HasMeasured {
		return "missing on one side"
	}
	var s string
	switch f.Unit {
	case engine.UnitSeconds:
		sign := "+"
		if f.Difference < 0 {
			sign = "−"
		}
		s = sign + FigureText(f.Unit, math.Abs(f.Difference))
	case engine.UnitPercent:
		s = strings.Replace(fmt.Sprintf("%+.1f pp", f.Difference), "-", "−", 1)
	default:
		s = strings.Replace(fmt.Sprintf("%+.0f", f.Difference), "-", "−", 1)
	}
	if f.Unit != engine.UnitPercent && !math.IsNaN(f.RelativeDifference) {
		s += " (" + strings.Replace(fmt.Sprintf("%+.0f%%", 100*f.RelativeDifference), "-", "−", 1) + ")"
	}
	return s
}

func figureMargin(f engine.Figure) string {
	if !f.HasModel || !f.HasMeasured {
		return ""
	}
	if f.Unit == engine.UnitPercent {
		return fmt.Sprintf("±%.1f pp", f.Margin)
	}
	return "±" + FigureText(f.Unit, f.Margin)
}

func agreeWord(f engine.Figure) string {
	w := "agrees"
	if !f.WithinTolerance {
		w = "OUT OF TOLERANCE"
	}
	if f.AtSLOEdge {
		w += " (at the SLO's edge)"
	}
	return w
}

func passWord(p bool) string {
	if p {
		return "PASS"
	}
	return "FAIL"
}

func measuredVerdicts(ps []bool) string {
	var s []string
	for _, p := range ps {
		s = append(s, passWord(p))
	}
	return strings.Join(s, ", ")
}

// calibrationText writes the terminal table or, with md, Markdown.
func calibrationText(w io.Writer, c *engine.Calibration, md bool) error {
	var b strings.Builder
	if md {
		fmt.Fprintf(&b, "# Calibration: %s\n\n", c.Experiment)
		fmt.Fprintf(&b, "`%s` on the **%s** and **%s** drivers, the same drawn plan (seed %d).\n\n", c.File, c.ModelDriver, c.MeasuredDriver, c.Seed)
	} else {
		fmt.Fprintf(&b, "Calibration: %s (%s)\n", c.Experiment, c.File)
		fmt.Fprintf(&b, "Model: %s driver   Measured: %s driver, %d run(s)   Seed: %d   Horizon: %s\n", c.ModelDriver, c.MeasuredDriver, c.Runs, c.Seed, fmtDur(c.Horizon))
	}
	for _, f := range c.Faults {
		if md {
			fmt.Fprintf(&b, "- fault `%s` at +%s (%s)\n", faultID(f), fmtDur(f.At), wallClock(c.Start, f.At))
		} else {
			fmt.Fprintf(&b, "  %-40s at +%s  (%s)\n", faultID(f), fmtDur(f.At), wallClock(c.Start, f.At))
		}
	}
	rule := fmt.Sprintf("A duration agrees when |model − measured| ≤ max(%.0f%% of measured, %s); a served share within %.1f percentage points; availability by the duration rule on the time out of SLO; lost writes within %.0f%% or the writes of %s at the horizon's average rate.",
		100*c.Tolerance, fmtDur(c.Floor), c.ShareFloor, 100*c.Tolerance, fmtDur(c.Floor))
	if c.Runs > 1 {
		rule += fmt.Sprintf(" Measured is the median of %d runs (min–max); a figure also agrees when the model lies in that range widened by the margin.", c.Runs)
	}
	if md {
		b.WriteString("\n" + rule + "\n")
	} else {
		b.WriteString(wrap(rule, 100) + "\n")
	}
	if err := calibrationSummary(&b, c, md); err != nil {
		return err
	}
	for _, r := range c.Regions {
		agree := "verdicts agree"
		if !r.VerdictsAgree {
			agree = "VERDICTS DISAGREE"
		}
		head := fmt.Sprintf("%s (%s): model %s, %s %s; %s; %d of %d figures out of tolerance",
			r.Region, r.Hosting, passWord(r.ModelPass), c.MeasuredDriver, measuredVerdicts(r.MeasuredPass), agree, r.OutOfTolerance(), len(r.Figures))
		if md {
			fmt.Fprintf(&b, "\n## %s\n\n", head)
		} else {
			fmt.Fprintf(&b, "\n%s\n", head)
		}
		if r.AtSLOEdge {
			b.WriteString("At the SLO's edge: the served share sat within the share floor of the SLO's success ratio for most of an incident, so its downtime counts minutes at the edge; its agreement rests on the served shares.\n")
			if md {
				b.WriteString("\n")
			}
		}
		for _, v := range r.Verdicts {
			if v.Agree {
				continue
			}
			var ms []string
			for _, x := range v.Measured {
				ms = append(ms, fmt.Sprintf("%s %s", passWord(x.Pass), x.Actual))
			}
			fmt.Fprintf(&b, "%s %s %s: model %s %s, %s %s\n", bullet(md), v.Objective, v.Target, passWord(v.Model.Pass), v.Model.Actual, c.MeasuredDriver, strings.Join(ms, ", "))
		}
		header := []string{"Figure", "Model", "Measured", "Difference", "Margin", "Agreement"}
		var rows [][]string
		for _, f := range r.Figures {
			rows = append(rows, []string{f.Name, figureModel(f), figureMeasured(f, c.Runs), figureDiff(f), figureMargin(f), agreeWord(f)})
		}
		if md {
			b.WriteString("\n")
			writeMDTable(&b, header, rows)
		} else {
			t := newASCIITable(&b)
			t.Header(header)
			if err := t.Bulk(rows); err != nil {
				return fmt.Errorf("calibration report: %w", err)
			}
			if err := t.Render(); err != nil {
				return fmt.Errorf("calibration report: %w", err)
			}
		}
	}
	if len(c.Suggested) > 0 {
		if md {
			b.WriteString("\n## Where they differ: the mechanisms as measured\n\n")
		} else {
			b.WriteString("\nWhere they differ: the mechanisms as measured, against the experiment's values\n")
		}
		header := []string{"Hosting", "Attribute", "Assumed", "Measured", "How"}
		var rows [][]string
		for _, s := range c.Suggested {
			for _, v := range s.Values {
				rows = append(rows, []string{s.Hosting, v.Attribute, suggestedText(v.Attribute, v.Assumed), suggestedText(v.Attribute, v.Measured), v.How})
			}
		}
		if md {
			writeMDTable(&b, header, rows)
			b.WriteString("\nTo bring the model closer to this machine, paste into the hosting:\n\n```hcl\n")
		} else {
			t := newASCIITable(&b)
			t.Header(header)
			if err := t.Bulk(rows); err != nil {
				return fmt.Errorf("calibration report: %w", err)
			}
			if err := t.Render(); err != nil {
				return fmt.Errorf("calibration report: %w", err)
			}
			b.WriteString("\nTo bring the model closer to this machine, paste into the hosting:\n\n")
		}
		for _, s := range c.Suggested {
			b.WriteString(s.HCL())
		}
		if md {
			b.WriteString("```\n")
		}
	}
	if len(c.Notes) > 0 {
		if md {
			b.WriteString("\n## Notes\n\n")
		} else {
			b.WriteString("\nNotes:\n")
		}
		for _, n := range c.Notes {
			fmt.Fprintf(&b, "%s %s\n", bullet(md), n)
		}
	}
	n := 0
	for _, r := range c.Regions {
		n += r.OutOfTolerance()
	}
	summary := "every figure within tolerance"
	if n > 0 {
		summary = fmt.Sprintf("%d figure(s) out of tolerance", n)
	}
	fmt.Fprintf(&b, "\n%s\n", summary)
	_, err := io.WriteString(w, b.String())
	return err
}

func bullet(md bool) string {
	if md {
		return "-"
	}
	return "  -"
}

func suggestedText(attr string, v float64) string {
	switch attr {
	case "restore_rate":
		if v <= 0 {
			return "—"
		}
		return engine.RateText(v)
	case "replica_rps":
		return fmt.Sprintf("%.0f req/s", v)
	}
	return fmtDur(time.Duration(v * float64(time.Second)))
}

func writeMDTable(b *strings.Builder, header []string, rows [][]string) {
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	b.WriteString("| " + strings.Join(header, " | ") + " |\n|")
	for range header {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, r := range rows {
		for i := range r {
			r[i] = esc(r[i])
		}
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
}

// wrap breaks s into lines of at most width runes, at spaces.
func wrap(s string, width int) string {
	var out, line []string
	n := 0
	for _, word := range strings.Fields(s) {
		l := len([]rune(word))
		if n > 0 && n+1+l > width {
			out = append(out, strings.Join(line, " "))
			line, n = nil, 0
		}
		if n > 0 {
			n++
		}
		line = append(line, word)
		n += l
	}
	if len(line) > 0 {
		out = append(out, strings.Join(line, " "))
	}
	return strings.Join(out, "\n")
}

type jsonCalibration struct {
	Schema     string             `json:"schema"`
	Experiment string             `json:"experiment"`
	File       string             `json:"file"`
	Seed       int64              `json:"seed"`
	Start      string             `json:"start"`
	Horizon    float64            `json:"horizon_seconds"`
	Faults     []jsonFault        `json:"faults"`
	Model      string             `json:"model_driver"`
	Measured   string             `json:"measured_driver"`
	Runs       int                `json:"runs"`
	Tolerance  float64            `json:"tolerance"`
	Floor      float64            `json:"floor_seconds"`
	ShareFloor float64            `json:"share_floor_pp"`
	Agree      bool               `json:"agree"`
	Regions    []jsonCalRegion    `json:"regions"`
	Suggested  []jsonCalSuggested `json:"suggested"`
	Notes      []string           `json:"notes"`
}

type jsonCalRegion struct {
	Region        string           `json:"region"`
	Hosting       string           `json:"hosting"`
	ModelPass     bool             `json:"model_pass"`
	MeasuredPass  []bool           `json:"measured_pass"`
	VerdictsAgree bool             `json:"verdicts_agree"`
	AtSLOEdge     bool             `json:"at_slo_edge"`
	Verdicts      []jsonCalVerdict `json:"verdicts"`
	Figures       []jsonCalFigure  `json:"figures"`
}

type jsonCalVerdict struct {
	Objective string        `json:"objective"`
	Target    string        `json:"target"`
	Model     jsonVerdict   `json:"model"`
	Measured  []jsonVerdict `json:"measured"`
	Agree     bool          `json:"agree"`
}

type jsonCalFigure struct {
	Name               string   `json:"name"`
	Unit               string   `json:"unit"`
	Model              *float64 `json:"model"`
	Measured           *float64 `json:"measured"`
	MeasuredMin        *float64 `json:"measured_min"`
	MeasuredMax        *float64 `json:"measured_max"`
	Difference         *float64 `json:"difference"`
	RelativeDifference *float64 `json:"relative_difference"`
	Margin             *float64 `json:"margin"`
	WithinTolerance    bool     `json:"within_tolerance"`
	AtSLOEdge          bool     `json:"at_slo_edge"`
	Note               string   `json:"note,omitempty"`
}

type jsonCalSuggested struct {
	Hosting   string         `json:"hosting"`
	Scale     int            `json:"scale"`
	TimeScale float64        `json:"time_scale"`
	Values    []jsonCalValue `json:"values"`
	HCL       string         `json:"hcl"`
}

type jsonCalValue struct {
	Attribute string  `json:"attribute"`
	Measured  float64 `json:"measured"`
	Assumed   float64 `json:"assumed"`
	HCL       string  `json:"hcl"`
	How       string  `json:"how"`
	Samples   int     `json:"samples"`
}

// num is a figure for JSON, rounded to 3 decimals as the other schemas
// round durations; nil when absent or not a number.
func num(v float64, ok bool) *float64 {
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	v = round3(v)
	return &v
}

func calibrationJSON(w io.Writer, c *engine.Calibration) error {
	j := jsonCalibration{
		Schema: CalibrationSchema, Experiment: c.Experiment, File: c.File, Seed: c.Seed,
		Start: c.Start.Format(time.RFC3339), Horizon: c.Horizon.Seconds(),
		Model: c.ModelDriver, Measured: c.MeasuredDriver, Runs: c.Runs,
		Tolerance: c.Tolerance, Floor: c.Floor.Seconds(), ShareFloor: c.ShareFloor, Agree: c.Agree(),
		Faults: []jsonFault{}, Regions: []jsonCalRegion{}, Suggested: []jsonCalSuggested{}, Notes: c.Notes,
	}
	if j.Notes == nil {
		j.Notes = []string{}
	}
	for _, f := range c.Faults {
		j.Faults = append(j.Faults, jsonFault{ID: faultID(f), Kind: f.Fault.Kind(), Name: f.Fault.Name(), AtSeconds: f.At.Seconds(), AtTime: wallClock(c.Start, f.At)})
	}
	for _, r := range c.Regions {
		jr := jsonCalRegion{Region: r.Region, Hosting: r.Hosting, ModelPass: r.ModelPass, MeasuredPass: r.MeasuredPass,
			VerdictsAgree: r.VerdictsAgree, AtSLOEdge: r.AtSLOEdge, Verdicts: []jsonCalVerdict{}, Figures: []jsonCalFigure{}}
		for _, v := range r.Verdicts {
			jv := jsonCalVerdict{Objective: v.Objective, Target: v.Target, Agree: v.Agree, Measured: []jsonVerdict{},
				Model: jsonVerdict{Objective: v.Model.Objective, Target: v.Model.Target, Actual: v.Model.Actual, Pass: v.Model.Pass}}
			for _, x := range v.Measured {
				jv.Measured = append(jv.Measured, jsonVerdict{Objective: x.Objective, Target: x.Target, Actual: x.Actual, Pass: x.Pass})
			}
			jr.Verdicts = append(jr.Verdicts, jv)
		}
		for _, f := range r.Figures {
			both := f.HasModel && f.HasMeasured
			jr.Figures = append(jr.Figures, jsonCalFigure{
				Name: f.Name, Unit: string(f.Unit),
				Model: num(f.Model, f.HasModel), Measured: num(f.Measured, f.HasMeasured),
				MeasuredMin: num(f.MeasuredMin, f.HasMeasured), MeasuredMax: num(f.MeasuredMax, f.HasMeasured),
				Difference: num(f.Difference, both), RelativeDifference: num(f.RelativeDifference, both), Margin: num(f.Margin, both),
				WithinTolerance: f.WithinTolerance, AtSLOEdge: f.AtSLOEdge, Note: f.Note,
			})
		}
		j.Regions = append(j.Regions, jr)
	}
	for _, s := range c.Suggested {
		js := jsonCalSuggested{Hosting: s.Hosting, Scale: s.Scale, TimeScale: s.TimeScale, HCL: s.HCL(), Values: []jsonCalValue{}}
		for _, v := range s.Values {
			js.Values = append(js.Values, jsonCalValue{Attribute: v.Attribute, Measured: round3(v.Measured), Assumed: round3(v.Assumed), HCL: v.HCL, How: v.How, Samples: v.Samples})
		}
		j.Suggested = append(j.Suggested, js)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(j); err != nil {
		return fmt.Errorf("calibration report: %w", err)
	}
	return nil
}

// calibrationSummary is the two-driver table: per region, downtime and
// the share served on each side, and the verdicts.
func calibrationSummary(b *strings.Builder, c *engine.Calibration, md bool) error {
	header := []string{"Region (hosting)", "Downtime: model", c.MeasuredDriver, "Served: model", c.MeasuredDriver, "Verdicts", "Out of tolerance"}
	var rows [][]string
	for _, r := range c.Regions {
		var down, served engine.Figure
		for _, f := range r.Figures {
			switch f.Name {
			case "downtime":
				down = f
			case "served over the horizon":
				served = f
			}
		}
		verdicts := fmt.Sprintf("%s on both", passWord(r.ModelPass))
		if !r.VerdictsAgree {
			verdicts = fmt.Sprintf("model %s, %s %s", passWord(r.ModelPass), c.MeasuredDriver, measuredVerdicts(r.MeasuredPass))
		}
		edge := ""
		if r.AtSLOEdge {
			edge = " (at the SLO's edge)"
		}
		rows = append(rows, []string{r.Region + " (" + r.Hosting + ")", figureModel(down), figureMeasured(down, c.Runs) + edge,
			figureModel(served), figureMeasured(served, c.Runs), verdicts, fmt.Sprintf("%d of %d", r.OutOfTolerance(), len(r.Figures))})
	}
	b.WriteString("\n")
	if md {
		writeMDTable(b, header, rows)
		return nil
	}
	t := newASCIITable(b)
	t.Header(header)
	if err := t.Bulk(rows); err != nil {
		return fmt.Errorf("calibration report: %w", err)
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("calibration report: %w", err)
	}
	return nil
}
