package reports

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/firedrill/firedrill/engine"
)

// Response time in the text formats: one small table of each region's
// worst p95 and p99 and its time spent slow, shown when a driver reported
// response time or a region holds a latency objective.

// latencyRow is one region's response-time figures as text.
type latencyRow struct {
	region, p95, p99, slow, objective string
}

// latencyRows are the rows, or nil when no region has anything to show.
func latencyRows(regions []engine.RegionResult) []latencyRow {
	var rows []latencyRow
	any := false
	for i := range regions {
		rr := &regions[i]
		o := rr.Objectives
		any = any || rr.P95 > 0 || o.LatencyP95 > 0 || o.LatencyP99 > 0
		var obj []string
		if o.LatencyP95 > 0 {
			obj = append(obj, "p95 ≤ "+fmtDur(o.LatencyP95))
		}
		if o.LatencyP99 > 0 {
			obj = append(obj, "p99 ≤ "+fmtDur(o.LatencyP99))
		}
		if len(obj) == 0 {
			obj = []string{"none"}
		}
		rows = append(rows, latencyRow{rr.Region, latencyFigure(rr.P95), latencyFigure(rr.P99), fmtDur(rr.Slow), strings.Join(obj, ", ")})
	}
	if !any {
		return nil
	}
	return rows
}

// latencyFigure is a worst response time, "-" when nothing was answered or
// the driver has none.
func latencyFigure(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return engine.FormatLatency(d)
}

// latencyHeading says what the figures are.
const latencyHeading = "Response time (worst over the moments served; slow: served, but over the latency objective)"

// latencyTable writes the table format's response-time table.
func latencyTable(w io.Writer, regions []engine.RegionResult, width int) error {
	rows := latencyRows(regions)
	if rows == nil {
		return nil
	}
	if _, err := io.WriteString(w, wrapText("\n"+latencyHeading+":\n", width)); err != nil {
		return fmt.Errorf("table report: %w", err)
	}
	t := tableData{head: []string{"Region", "Worst p95", "Worst p99", "Slow", "Latency objective"}, title: []int{0}}
	for _, r := range rows {
		t.rows = append(t.rows, []string{r.region, r.p95, r.p99, r.slow, r.objective})
	}
	if err := writeTable(w, width, t); err != nil {
		return fmt.Errorf("table report: response time: %w", err)
	}
	return nil
}

// mdLatency writes the Markdown response-time section.
func mdLatency(b *strings.Builder, regions []engine.RegionResult) {
	rows := latencyRows(regions)
	if rows == nil {
		return
	}
	b.WriteString("## Response time\n\n" + latencyHeading + ".\n\n")
	mdRow(b, "Region", "Worst p95", "Worst p99", "Slow", "Latency objective")
	b.WriteString("|---|---:|---:|---:|---|\n")
	for _, r := range rows {
		mdRow(b, r.region, r.p95, r.p99, r.slow, r.objective)
	}
	b.WriteString("\n")
}
