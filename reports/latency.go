package reports

import (
	"fmt"
	"io"
	"math"
	"strconv"
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

// latencyAxis is the service chart's response-time scale: logarithmic, in
// whole decades, because a p95 goes from tens of milliseconds when idle to
// tens of seconds when saturated, and the objective must be legible in both.
type latencyAxis struct {
	lo, hi     float64 // log10 of seconds at the bottom and top
	top, plotH float64
	objective  time.Duration
}

// newLatencyAxis is nil when the region has no response time to draw; the
// caller places it (top, plotH) once the chart's layout is known.
func newLatencyAxis(rr *engine.RegionResult) *latencyAxis {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range rr.Served {
		if s.P95 > 0 {
			v := s.P95.Seconds()
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if math.IsInf(lo, 1) {
		return nil
	}
	obj := rr.Objectives.LatencyP95
	if obj > 0 {
		lo, hi = min(lo, obj.Seconds()), max(hi, obj.Seconds())
	}
	a := &latencyAxis{lo: math.Floor(math.Log10(lo)), hi: math.Ceil(math.Log10(hi)), objective: obj}
	if a.hi <= a.lo {
		a.hi = a.lo + 1
	}
	return a
}

func (a *latencyAxis) y(d time.Duration) float64 {
	v := (math.Log10(d.Seconds()) - a.lo) / (a.hi - a.lo)
	return a.top + a.plotH*(1-max(0, min(v, 1)))
}

// draw puts the axis at x = axisX, the objective as a dashed line across
// the plot, and the p95 series; a gap where nothing was answered.
func (a *latencyAxis) draw(b *svgBuf, axisX, left float64, x func(time.Duration) float64, rr *engine.RegionResult) {
	for e := a.lo; e <= a.hi; e++ {
		d := time.Duration(math.Pow(10, e) * float64(time.Second))
		label := strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s" // decades: 100s, not 1m40s
		if d < time.Second {
			label = engine.FormatLatency(d)
		}
		b.f(`<text x="%.1f" y="%.1f" class="axis" fill="%s">%s</text>`, axisX+4, a.y(d)+4, svgLatency, svgEsc(label))
	}
	// the axis's name under it, beside the last time tick: above, it would
	// meet the top decade's label.
	b.f(`<text x="%.1f" y="%.1f" class="axis" fill="%s">p95</text>`, axisX+4, a.top+a.plotH+18, svgLatency)
	if a.objective > 0 {
		b.f(`<line class="latency-objective" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="6 3"><title>latency_p95 objective: %s</title></line>`,
			left, axisX, a.y(a.objective), a.y(a.objective), svgLatency, svgEsc(fmtDur(a.objective)))
	}
	var run []string
	flush := func() {
		if len(run) > 0 {
			b.f(`<polyline class="p95" fill="none" stroke="%s" stroke-width="1.3" points="%s"/>`, svgLatency, strings.Join(run, " "))
		}
		run = run[:0]
	}
	for _, s := range rr.Served {
		if s.P95 <= 0 {
			flush()
			continue
		}
		run = append(run, fmt.Sprintf("%.1f,%.1f", x(s.At), a.y(s.P95)))
	}
	flush()
}
