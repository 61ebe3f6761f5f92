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
		b.WriteString("## Faults\n\n")
		mdRow(b, "Fault", "At", "Wall clock")
		b.WriteString("|---|---|---|\n")
		for _, f := range r.Faults {
			mdRow(b, "`"+faultID(f)+"`", "+"+fmtDur(f.At), wallClock(r.Start, f.At))
		}
		b.WriteString("\n")
	}
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
	down, loss := "Downtime", "Data loss"
	if r.Trials > 1 {
		down, loss = "Downtime p50 / p95 / max", "Data loss p50 / p95 / max"
	}
	mdRow(&b, "Region", "Hosting", "Hit by", down, loss, "Lost writes", "Availability", "Objectives", "Verdict")
	b.WriteString("|---|---|---|---:|---:|---:|---:|---|---|\n")
	for i := range r.Regions {
		rr := &r.Regions[i]
		mdRow(&b, rr.Region, rr.Hosting, hitText(rr), downtimeText(rr), lossText(rr), writesText(rr),
			fmt.Sprintf("%.3f%%", rr.Availability), objectivesText(rr.Objectives), verdictWord(rr))
	}
	b.WriteString("\n")
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

// WriteComparison writes the procurement matrix, by region then rank.
func (markdownWriter) WriteComparison(w io.Writer, c *engine.Comparison) error {
	if c == nil {
		return fmt.Errorf("markdown report: no comparison")
	}
	var b strings.Builder
	mdHead(&b, &c.Result)
	fmt.Fprintf(&b, "## Procurement matrix\n\nHostings compared: %s\n\n", strings.Join(c.Hostings, ", "))
	mdRow(&b, "Region", "Hosting", "Downtime", "Data loss", "Lost writes", "Availability", "Monthly cost", "Rank", "Verdict")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---|\n")
	rows := sortedRows(c)
	regions := make([]engine.RegionResult, 0, len(rows))
	for i := range rows {
		rr := &rows[i].RegionResult
		regions = append(regions, *rr)
		mdRow(&b, rr.Region, rr.Hosting, downtimeText(rr), lossText(rr), writesText(rr),
			fmt.Sprintf("%.3f%%", rr.Availability), fmt.Sprintf("%.2f", rr.MonthlyCost), fmt.Sprint(rows[i].Rank), verdictWord(rr))
	}
	b.WriteString("\n")
	mdFoot(&b, &c.Result, regions, "region/hosting pairs")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("markdown report: %w", err)
	}
	return nil
}
