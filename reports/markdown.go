package reports

import (
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/firedrill/firedrill/engine"
)

func init() { register("markdown", markdownWriter{}) }

// markdownWriter writes GitHub-flavoured Markdown, for pull requests and
// incident write-ups.
type markdownWriter struct{}

// mdCell escapes the characters that would break a table cell.
func mdCell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

func mdRow(b *strings.Builder, cells ...string) {
	for i := range cells {
		cells[i] = mdCell(cells[i])
	}
	b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
}

func mdHead(b *strings.Builder, r *engine.Result) {
	fmt.Fprintf(b, "# firedrill: %s\n\n", r.Experiment)
	if r.Description != "" {
		b.WriteString(r.Description + "\n\n")
	}
	fmt.Fprintf(b, "- File: `%s`\n- Driver: %s\n- Seed: %d\n- Trials: %d\n- Start: %s\n- Horizon: %s\n\n",
		r.File, r.Driver, r.Seed, r.Trials, wallClock(r.Start, 0), fmtDur(r.Horizon))
	if len(r.Faults) > 0 {
		b.WriteString("## " + faultsHeading(r.Trials) + "\n\n")
		mdRow(b, "Fault", "At", "Wall clock")
		b.WriteString("|---|---|---|\n")
		for _, f := range sortedFaults(r.Faults) {
			mdRow(b, "`"+faultID(f)+"`", faultWhen(f, r.Trials), wallClock(r.Start, f.At))
		}
		b.WriteString("\n")
	}
}

// mdSLA sets providers' advertised availability against what was achieved.
func mdSLA(b *strings.Builder, r *engine.Result, regions []engine.RegionResult) {
	var rows [][]string
	for i := range regions {
		if s, ok := slaOf(r, &regions[i]); ok {
			flag := "met"
			if s.Below {
				flag = "**below SLA**"
			}
			rows = append(rows, []string{s.Provider, trimNum(s.Advertised) + "%", regions[i].Region, regions[i].Hosting, engine.FormatAvailability(s.Achieved), flag})
		}
	}
	if len(rows) == 0 {
		return
	}
	b.WriteString("## Provider SLA against achieved availability\n\n")
	mdRow(b, "Provider", "SLA", "Region", "Hosting", labels(r.Trials).Avail, "")
	b.WriteString("|---|---:|---|---|---:|---|\n")
	for _, row := range rows {
		mdRow(b, row...)
	}
	b.WriteString("\n")
}

func mdFoot(b *strings.Builder, r *engine.Result, regions []engine.RegionResult, noun string) {
	if len(r.Notes) > 0 {
		b.WriteString("## Notes\n\n")
		for _, n := range r.Notes {
			b.WriteString("- " + n + "\n")
		}
		b.WriteString("\n")
	}
	if r.Trials > 1 {
		fmt.Fprintf(b, "With %d trials, verdicts judge the p95 figures.\n\n", r.Trials)
	}
	b.WriteString("**" + summaryLine(regions, noun) + ".**\n\n")
	b.WriteString("_" + legendLine(r, regions) + "_\n")
}

// WriteRun writes the facts, faults, results table, timelines and notes.
func (markdownWriter) WriteRun(w io.Writer, r *engine.Result) error {
	if r == nil {
		return fmt.Errorf("markdown report: no result")
	}
	var b strings.Builder
	mdHead(&b, r)
	b.WriteString("## Results\n\n")
	l := labels(r.Trials)
	head := []string{"Region", "Hosting", "Hit by", l.Down, "Recovery", l.Loss, l.Lost, l.Avail, l.Served}
	align := "|---|---|---|---:|---|---:|---:|---:|---:|"
	if r.Trials > 1 {
		head = append(head, "Trials passed", "All data lost", "Not recovered")
		align += "---:|---:|---:|"
	}
	mdRow(&b, append(head, "Objectives", "Verdict")...)
	b.WriteString(align + "---|---|\n")
	for i := range r.Regions {
		rr := &r.Regions[i]
		row := []string{rr.Region, rr.Hosting, hitText(rr), downtimeText(rr), recoveryText(rr), lossText(rr), writesText(rr),
			availText(rr), servedText(rr)}
		if d := rr.Trials; d != nil {
			row = append(row, shareText(d.Passed, d.N), shareText(d.AllDataLost, d.N), shareText(d.Unrecovered, d.N))
		} else if r.Trials > 1 {
			row = append(row, "-", "-", "-")
		}
		mdRow(&b, append(row, objectivesText(rr.Objectives), verdictWord(rr))...)
	}
	b.WriteString("\n")
	mdSLA(&b, r, r.Regions)
	mdLatency(&b, r.Regions)
	var withTimeline []*engine.RegionResult
	for i := range r.Regions {
		if len(r.Regions[i].Timeline) > 0 {
			withTimeline = append(withTimeline, &r.Regions[i])
		}
	}
	if len(withTimeline) > 0 {
		b.WriteString("## Timelines\n\n")
		for _, rr := range withTimeline {
			fmt.Fprintf(&b, "<details>\n<summary>%s</summary>\n\n", html.EscapeString(rr.Region+" ("+rr.Hosting+"): "+verdictWord(rr)))
			mdRow(&b, "At", "Wall clock", "Event", "Basis", "Took")
			b.WriteString("|---:|---|---|---|---:|\n")
			for _, e := range rr.Timeline {
				took := ""
				if e.Took > 0 {
					took = fmtDur(e.Took)
				}
				mdRow(&b, "+"+fmtDur(e.At), wallClock(r.Start, e.At), e.Text, string(e.Basis), took)
			}
			b.WriteString("\n</details>\n\n")
		}
	}
	mdFoot(&b, r, r.Regions, "regions")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("markdown report: %w", err)
	}
	return nil
}

// WriteRuns writes each run as its own top-level section: Markdown has no
// notion of several documents, and headings keep them apart.
func (m markdownWriter) WriteRuns(w io.Writer, rs []*engine.Result) error {
	for i, r := range rs {
		if i > 0 {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return fmt.Errorf("markdown report: %w", err)
			}
		}
		if err := m.WriteRun(w, r); err != nil {
			return err
		}
	}
	return nil
}

// WriteComparison writes the procurement matrix, by region then rank.
func (markdownWriter) WriteComparison(w io.Writer, c *engine.Comparison) error {
	if c == nil {
		return fmt.Errorf("markdown report: no comparison")
	}
	var b strings.Builder
	mdHead(&b, &c.Result)
	fmt.Fprintf(&b, "## Procurement matrix\n\nHostings compared: %s\n\n", strings.Join(c.Hostings, ", "))
	l := labels(c.Trials)
	mdRow(&b, "Region", "Hosting", l.Down, l.Loss, l.Lost, l.Avail, l.Served, "Monthly cost", "Rank", "Verdict")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n")
	rows := sortedRows(c)
	regions := make([]engine.RegionResult, 0, len(rows))
	for i := range rows {
		rr := &rows[i].RegionResult
		regions = append(regions, *rr)
		verdict := verdictWord(rr)
		if best, ok := c.CheapestPassingFor(rr.Region); ok && best.Hosting == rr.Hosting {
			verdict += ", **cheapest passing**"
		}
		mdRow(&b, rr.Region, rr.Hosting, downtimeText(rr), lossText(rr), writesText(rr),
			availText(rr), servedText(rr), fmt.Sprintf("%.2f", rr.MonthlyCost), fmt.Sprint(rows[i].Rank), verdict)
	}
	b.WriteString("\n**" + cheapestLine(c) + "**\n\n")
	b.WriteString("Rank: " + engine.RankRule + "\n\n")
	mdSLA(&b, &c.Result, regions)
	mdFoot(&b, &c.Result, regions, "region/hosting pairs")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("markdown report: %w", err)
	}
	return nil
}
