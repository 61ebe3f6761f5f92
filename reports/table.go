package reports

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/firedrill/firedrill/engine"
)

func init() { register("table", tableWriter{}) }

// tableWriter is the terminal format. It draws with ASCII borders so the
// output survives pipes, CI logs and fonts without box-drawing glyphs.
// With a width (Fit, on a terminal), every line fits in it; without, the
// tables are drawn whole, for files, pipes and logs.
type tableWriter struct{ width int }

func newASCIITable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
	)
}

// tableHeader writes the experiment facts and the faults as drawn, wrapped
// at width when it is not 0.
func tableHeader(w io.Writer, r *engine.Result, width int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Experiment: %s\n", r.Experiment)
	if r.Description != "" {
		fmt.Fprintf(&b, "  %s\n", r.Description)
	}
	facts := []string{"File: " + r.File, "Driver: " + r.Driver, fmt.Sprintf("Seed: %d", r.Seed),
		fmt.Sprintf("Trials: %d", r.Trials), "Horizon: " + fmtDur(r.Horizon)}
	b.WriteString(joinFitting(facts, "   ", width) + "\n")
	fmt.Fprintf(&b, "Start: %s\n", r.Start.Format("2006-01-02T15:04:05Z07:00"))
	if len(r.Faults) > 0 {
		b.WriteString(faultsHeading(r.Trials) + ":\n")
		pad := 40
		if width > 0 {
			// on a terminal, the times line up after the longest ID
			// rather than at a column that may not fit.
			pad = 0
			for _, f := range r.Faults {
				pad = max(pad, utf8.RuneCountInString(faultID(f)))
			}
		}
		for _, f := range sortedFaults(r.Faults) {
			when := faultWhen(f, r.Trials)
			if r.Trials <= 1 || !strings.Contains(when, "drawn") {
				when += "  (" + wallClock(r.Start, f.At) + ")"
			}
			fmt.Fprintf(&b, "  %-*s at %s\n", pad, faultID(f), when)
		}
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, wrapText(b.String(), width))
	return err
}

// WriteRun writes one row per region, then notes, summary and legend.
func (tw tableWriter) WriteRun(w io.Writer, r *engine.Result) error {
	if r == nil {
		return fmt.Errorf("table report: no result")
	}
	if err := tableHeader(w, r, tw.width); err != nil {
		return fmt.Errorf("table report: %w", err)
	}
	l := labels(r.Trials)
	head := []string{"Region", "Hosting", "Hit by", l.Down, "Recovery", l.Loss, l.Lost, l.Avail, l.Served}
	if r.Trials > 1 {
		head = append(head, "Trials passed", "All data lost", "Not recovered")
	}
	t := tableData{head: append(head, "Objectives", "Verdict"), title: []int{0}, below: []int{2, len(head)}}
	for i := range r.Regions {
		rr := &r.Regions[i]
		row := []string{rr.Region, rr.Hosting, hitText(rr), downtimeText(rr), recoveryText(rr), lossText(rr),
			writesText(rr), availText(rr), servedText(rr)}
		if d := rr.Trials; d != nil {
			row = append(row, shareText(d.Passed, d.N), shareText(d.AllDataLost, d.N), shareText(d.Unrecovered, d.N))
		} else if r.Trials > 1 {
			row = append(row, "-", "-", "-")
		}
		t.rows = append(t.rows, append(row, objectivesText(rr.Objectives), verdictWord(rr)))
	}
	if err := writeTable(w, tw.width, t); err != nil {
		return fmt.Errorf("table report: %w", err)
	}
	if err := slaTable(w, r, r.Regions, tw.width); err != nil {
		return err
	}
	if err := latencyTable(w, r.Regions, tw.width); err != nil {
		return err
	}
	if err := phaseTable(w, r.Regions, tw.width); err != nil {
		return err
	}
	return tableFooter(w, r, r.Regions, "regions", tw.width)
}

// slaTable sets each provider's advertised availability against what its
// hostings achieved, flagging an SLA the experiment did not reach.
func slaTable(w io.Writer, r *engine.Result, regions []engine.RegionResult, width int) error {
	type row struct{ region, hosting string }
	var rows [][]string
	seen := map[row]bool{}
	for i := range regions {
		rr := &regions[i]
		s, ok := slaOf(r, rr)
		if !ok || seen[row{rr.Region, rr.Hosting}] {
			continue
		}
		seen[row{rr.Region, rr.Hosting}] = true
		flag := "met"
		if s.Below {
			flag = "BELOW SLA"
		}
		rows = append(rows, []string{s.Provider, trimNum(s.Advertised) + "%", rr.Region, rr.Hosting, engine.FormatAvailability(s.Achieved), flag})
	}
	if len(rows) == 0 {
		return nil
	}
	if _, err := io.WriteString(w, wrapText("\nAdvertised availability (provider SLA) against what the experiment achieved:\n", width)); err != nil {
		return fmt.Errorf("table report: %w", err)
	}
	achieved := "Achieved"
	if r.Trials > 1 {
		achieved = "Achieved p95"
	}
	t := tableData{head: []string{"Provider", "SLA", "Region", "Hosting", achieved, ""}, rows: rows,
		title: []int{2, 3}, names: map[int]string{5: "Against SLA"}}
	if err := writeTable(w, width, t); err != nil {
		return fmt.Errorf("table report: SLA: %w", err)
	}
	return nil
}

// WriteRuns writes each run's tables, a blank line between them.
func (tw tableWriter) WriteRuns(w io.Writer, rs []*engine.Result) error {
	for i, r := range rs {
		if i > 0 {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return fmt.Errorf("table report: %w", err)
			}
		}
		if err := tw.WriteRun(w, r); err != nil {
			return err
		}
	}
	return nil
}

// phaseTable writes measured latency and errors per phase, when a driver
// measured them.
func phaseTable(w io.Writer, regions []engine.RegionResult, width int) error {
	any := false
	for _, rr := range regions {
		any = any || len(rr.Phases) > 0
	}
	if !any {
		return nil
	}
	if _, err := io.WriteString(w, wrapText("\nMeasured requests (probes, grade writes, generated load), by phase of the faults:\n", width)); err != nil {
		return fmt.Errorf("table report: %w", err)
	}
	t := tableData{head: []string{"Region", "Phase", "Requests", "Errors", "p50", "p99", "Max"}, title: []int{0, 1}}
	for _, rr := range regions {
		for _, ph := range rr.Phases {
			errs := fmt.Sprintf("%d (%.1f%%)", ph.Errors, 100*float64(ph.Errors)/float64(max(ph.Requests, 1)))
			t.rows = append(t.rows, []string{rr.Region, ph.Name, fmt.Sprint(ph.Requests), errs, latencyText(ph.P50), latencyText(ph.P99), latencyText(ph.Max)})
		}
	}
	if err := writeTable(w, width, t); err != nil {
		return fmt.Errorf("table report: phases: %w", err)
	}
	return nil
}

func latencyText(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	default:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
}

// tableFooter writes notes, the one-line summary and the legend.
func tableFooter(w io.Writer, r *engine.Result, regions []engine.RegionResult, noun string, width int) error {
	var b strings.Builder
	b.WriteString("\n")
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "Note: %s\n", n)
	}
	if r.Trials > 1 {
		fmt.Fprintf(&b, "With %d trials, verdicts judge the p95 figures.\n", r.Trials)
	}
	b.WriteString(summaryLine(regions, noun) + "\n")
	b.WriteString(legendLine(r, regions) + "\n")
	if _, err := io.WriteString(w, wrapText(b.String(), width)); err != nil {
		return fmt.Errorf("table report: %w", err)
	}
	return nil
}

// WriteComparison writes the procurement matrix, by region then rank.
func (tw tableWriter) WriteComparison(w io.Writer, c *engine.Comparison) error {
	if c == nil {
		return fmt.Errorf("table report: no comparison")
	}
	if err := tableHeader(w, &c.Result, tw.width); err != nil {
		return fmt.Errorf("table report: %w", err)
	}
	l := labels(c.Trials)
	t := tableData{head: []string{"Region", "Hosting", l.Down, l.Loss, l.Lost, l.Avail, l.Served, "Monthly cost", "Rank", "Verdict"}, title: []int{0, 1}}
	rows := sortedRows(c)
	regions := make([]engine.RegionResult, 0, len(rows))
	for i := range rows {
		rr := &rows[i].RegionResult
		regions = append(regions, *rr)
		verdict := verdictWord(rr)
		if best, ok := c.CheapestPassingFor(rr.Region); ok && best.Hosting == rr.Hosting {
			verdict += ", cheapest passing"
		}
		t.rows = append(t.rows, []string{rr.Region, rr.Hosting, downtimeText(rr), lossText(rr), writesText(rr),
			availText(rr), servedText(rr), fmt.Sprintf("%.2f", rr.MonthlyCost),
			fmt.Sprint(rows[i].Rank), verdict})
	}
	if err := writeTable(w, tw.width, t); err != nil {
		return fmt.Errorf("table report: %w", err)
	}
	if err := slaTable(w, &c.Result, regions, tw.width); err != nil {
		return err
	}
	if _, err := io.WriteString(w, wrapText("\n"+cheapestLine(c)+"\nRank: "+engine.RankRule+"\n", tw.width)); err != nil {
		return fmt.Errorf("table report: %w", err)
	}
	return tableFooter(w, &c.Result, regions, "region/hosting pairs", tw.width)
}

// faultID names a scheduled fault, tolerating a nil fault.
func faultID(s engine.Scheduled) string {
	if s.Fault == nil {
		return "?"
	}
	return s.Fault.Kind() + "." + s.Fault.Name()
}
