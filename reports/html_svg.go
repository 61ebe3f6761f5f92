package reports

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/faults"
)

// Charts are hand-written SVG: a few rectangles, lines and labels say what
// is needed, and the page stays self-contained and small.

// svgPalette: a restrained set, legible in print.
const (
	svgInk     = "#1f2933"
	svgMuted   = "#7b8794"
	svgGrid    = "#e4e7eb"
	svgUp      = "#2f855a"
	svgDown    = "#c53030"
	svgDownBg  = "#fbb6b6" // down: almost nothing served
	svgDegrBg  = "#fbd38d" // degraded: access restricted, the admitted served
	svgFault   = "#b7791f"
	svgMeasure = "#2b6cb0"
	svgModel   = "#805ad5"
	svgBar     = "#dd6b20"
	svgSlowBg  = "#bee3f8" // slow: served, but over the latency objective
	svgLatency = "#2c5282" // p95 response time, on its own axis
)

type svgBuf struct{ strings.Builder }

func (b *svgBuf) f(format string, args ...any) { fmt.Fprintf(&b.Builder, format, args...) }

// svgEsc escapes user text (names, descriptions) for SVG built by hand.
func svgEsc(s string) string { return html.EscapeString(s) }

// svgTicks picks a tick step for a horizon so that there are at most max
// ticks, from steps a reader thinks in.
func svgTicks(horizon time.Duration, maxTicks int) time.Duration {
	const day, year = 24 * time.Hour, 365 * 24 * time.Hour
	for _, s := range []time.Duration{time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
		time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, day, 2 * day, 7 * day, 14 * day, 30 * day, 90 * day,
		year, 2 * year, 5 * year, 10 * year, 20 * year, 50 * year, 100 * year} {
		if horizon/s <= time.Duration(maxTicks) {
			return s
		}
	}
	return horizon
}

// svgEventLabel is the short label of a timeline event, "" for events
// drawn as ticks only.
func svgEventLabel(e engine.Event) string {
	switch e.Kind {
	case engine.EventFault:
		if e.Fault != "" {
			return e.Fault
		}
		return "fault"
	case engine.EventDetected:
		return "detected"
	case engine.EventFailoverStart:
		return "failover"
	case engine.EventFailoverDone:
		return "promoted"
	case engine.EventRestoreStart:
		return "restore"
	case engine.EventRestoreDone:
		return "restored"
	case engine.EventUnrecoverable:
		return "unrecoverable"
	case engine.EventRestored:
		return "service back"
	case engine.EventUp:
		return upLabel(e.Text)
	case engine.EventOverload:
		return "overload"
	case engine.EventAdmission:
		return "admission control"
	case engine.EventSlow:
		return "slow"
	}
	return ""
}

// upLabel names what came back from the event's text, up to its first
// comma, colon or bracket ("power back in paris1, database restarted" reads
// "power back in paris1"): "up" alone does not say what.
func upLabel(text string) string {
	if i := strings.IndexAny(text, ",:("); i >= 0 {
		text = text[:i]
	}
	if text = strings.TrimSpace(text); text == "" {
		return "back up"
	}
	return text
}

// labelRows is how many rows of labels a timeline may stack above its plot
// before it leaves a label out (its marker keeps its title).
const labelRows = 10

// labelRowY is the baseline of a row of labels.
func labelRowY(row int) float64 { return 14 + 14*float64(row) }

// labelPlace is where an event's label goes: its row (-1 for none) and
// whether it ends at its marker rather than starting there.
type labelPlace struct {
	row int
	end bool
}

// placeLabels puts each labelled marker's label (texts[i] at xs[i], in time
// order; "" for no label) on the highest row where it overlaps no other
// label, is not crossed by an earlier marker's line (a line runs from its
// label's row down to the plot) and does not put its own line through a
// label below; failing that, on the highest row where it overlaps no other
// label, a line through it. A label starts at its marker, or ends there
// when that keeps it inside [lo, hi] or finds it a row. Widths are
// estimated generously (svgTextWidth), so that a wider font still fits.
func placeLabels(xs []float64, texts []string, lo, hi float64) []labelPlace {
	type span struct {
		x0, x1 float64
		row    int
	}
	var labels []span
	type line struct {
		x   float64
		row int
	}
	var lines []line
	out := make([]labelPlace, len(xs))
	free := func(a span, ex float64, linesToo bool) bool {
		for _, l := range labels {
			if l.row == a.row && a.x0 < l.x1+6 && l.x0 < a.x1+6 {
				return false // over a label of its row
			}
			if !linesToo {
				continue
			}
			if l.row > a.row && ex > l.x0-2 && ex < l.x1+2 {
				return false // its line would cross a label below
			}
		}
		for _, l := range lines {
			if linesToo && l.row < a.row && l.x > a.x0-2 && l.x < a.x1+2 {
				return false // an earlier line crosses it
			}
		}
		return true
	}
	for i, ex := range xs {
		out[i].row = -1
		if texts[i] == "" {
			continue
		}
		w := svgTextWidth(texts[i])
		for _, linesToo := range []bool{true, false} {
			for row := 0; row < labelRows && out[i].row < 0; row++ {
				for _, end := range []bool{false, true} {
					a := span{ex + 3, ex + 3 + w, row}
					if end {
						a = span{ex - 3 - w, ex - 3, row}
					}
					if a.x0 < lo || a.x1 > hi || !free(a, ex, linesToo) {
						continue
					}
					out[i] = labelPlace{row, end}
					labels = append(labels, a)
					break
				}
			}
		}
		if out[i].row >= 0 {
			lines = append(lines, line{ex, out[i].row})
		}
	}
	return out
}

// svgTimeline draws a region's success ratio over the horizon, outages
// shaded, and its events marked: solid for measured, dashed for modeled.
func svgTimeline(start time.Time, horizon time.Duration, rr *engine.RegionResult) template.HTML {
	const w = 960.0
	const left, plotH = 44.0, 110.0
	lat := newLatencyAxis(rr)
	right := 12.0
	if lat != nil {
		right = 56 // the response-time axis's labels
	}
	pw := w - left - right
	if horizon <= 0 {
		horizon = time.Hour
	}
	x := func(t time.Duration) float64 {
		t = max(0, min(t, horizon))
		return left + pw*float64(t)/float64(horizon)
	}
	// The labels' rows decide how far down the plot starts: the incident
	// band (top-7) sits under the lowest row.
	xs := make([]float64, len(rr.Timeline))
	texts := make([]string, len(rr.Timeline))
	for i, e := range rr.Timeline {
		xs[i], texts[i] = x(e.At), svgEventLabel(e)
	}
	places := placeLabels(xs, texts, 2, w-2)
	rows := 4
	for _, p := range places {
		rows = max(rows, p.row+1)
	}
	top := labelRowY(rows-1) + 14
	h := top + plotH + 50
	if lat != nil {
		lat.top, lat.plotH = top, plotH
	}
	y := func(v float64) float64 { return top + plotH*(1-max(0, min(v, 1))) }
	var b svgBuf
	b.f(`<svg class="timeline" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s: service over the horizon">`, w, h, svgEsc(rr.Region))
	// Grid and axes.
	for _, v := range []float64{0, 0.5, 1} {
		class := ""
		if v == 0 {
			class = ` class="frame"`
		}
		b.f(`<line%s x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s"/>`, class, left, w-right, y(v), y(v), svgGrid)
		b.f(`<text x="%.1f" y="%.1f" class="axis" text-anchor="end">%.0f%%</text>`, left-6, y(v)+4, v*100)
	}
	step := svgTicks(horizon, 8)
	multiDay := horizon > 24*time.Hour
	for t := time.Duration(0); t <= horizon; t = faults.AddDurations(t, step) {
		wall := start.Add(t).Format("15:04")
		if multiDay {
			wall = start.Add(t).Format("Mon 15:04")
		}
		anchor := "middle"
		switch {
		case t == 0:
			anchor = "start"
		case t > horizon-step:
			anchor = "end"
		}
		b.f(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s"/>`, x(t), x(t), top+plotH, top+plotH+5, svgMuted)
		b.f(`<text x="%.1f" y="%.1f" class="axis" text-anchor="%s">+%s</text>`, x(t), top+plotH+18, anchor, svgEsc(fmtDur(t)))
		b.f(`<text x="%.1f" y="%.1f" class="axis faint" text-anchor="%s">%s</text>`, x(t), top+plotH+31, anchor, svgEsc(wall))
		if t == horizon {
			break // a step past the longest Duration saturates there
		}
	}
	// Outages, shaded by state: down, or degraded (admission control turns
	// users away and serves the admitted); incidents, merged outages, as a
	// band over the plot that says their cause and how they ended.
	for _, o := range rr.Outages {
		state, fill := "down", svgDownBg
		switch o.State {
		case engine.StateDegraded:
			state, fill = "degraded", svgDegrBg
		case engine.StateSlow:
			state, fill = "slow", svgSlowBg
		}
		b.f(`<rect class="outage %s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" fill-opacity="0.6"><title>%s %s – %s</title></rect>`,
			state, x(o.Start), top, max(1, x(o.End)-x(o.Start)), plotH, fill, svgEsc(stateWord(o.State)), svgEsc(fmtDur(o.Start)), svgEsc(fmtDur(o.End)))
	}
	for _, in := range rr.Incidents {
		state, fill := "down", svgDown
		switch in.State {
		case engine.StateDegraded:
			state, fill = "degraded", svgFault
		case engine.StateSlow:
			state, fill = "slow", svgLatency
		}
		title := fmt.Sprintf("incident +%s to +%s, %s; recovery: %s; %s of requests served",
			fmtDur(in.Start), fmtDur(in.End), stateWord(in.State), recoveryWord(in.Recovery), servedShare(in.ServedRatio))
		if len(in.Cause) > 0 {
			title += "; caused by " + strings.Join(in.Cause, ", ")
		} else {
			title += "; no fault caused it"
		}
		b.f(`<rect class="incident %s" x="%.1f" y="%.1f" width="%.1f" height="5" fill="%s"><title>%s</title></rect>`,
			state, x(in.Start), top-7, max(2, x(in.End)-x(in.Start)), fill, svgEsc(title))
	}
	// Service: the served series, or up except during outages.
	var pts []string
	if len(rr.Served) > 0 {
		for _, s := range rr.Served {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(s.At), y(s.Success)))
		}
	} else {
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(0), y(1)))
		for _, o := range rr.Outages {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f", x(o.Start), y(1), x(o.Start), y(0), x(o.End), y(0), x(o.End), y(1)))
		}
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(horizon), y(1)))
	}
	b.f(`<polyline class="served" fill="none" stroke="%s" stroke-width="1.6" points="%s"/>`, svgUp, strings.Join(pts, " "))
	if lat != nil {
		lat.draw(&b, w-right, left, x, rr)
	}
	// Events: labelled ones on staggered rows above the plot, the others as
	// ticks under it.
	for i, e := range rr.Timeline {
		ex := xs[i]
		color, dash := svgMeasure, ""
		if e.Basis == engine.Modeled {
			color, dash = svgModel, ` stroke-dasharray="4 3"`
		}
		if e.Kind == engine.EventFault {
			color = svgFault
		}
		title := fmt.Sprintf("%s (+%s, %s): %s", eventWord(e.Kind), fmtDur(e.At), e.Basis, e.Text)
		if e.Took > 0 {
			title += fmt.Sprintf(" — took %s", fmtDur(e.Took))
		}
		if texts[i] == "" {
			b.f(`<line class="tick" data-kind="%s" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s"><title>%s</title></line>`,
				svgEsc(string(e.Kind)), ex, ex, top+plotH-8, top+plotH, svgMuted, svgEsc(title))
			continue
		}
		p := places[i]
		b.f(`<g class="marker" data-kind="%s" data-basis="%s"><title>%s</title>`, svgEsc(string(e.Kind)), svgEsc(string(e.Basis)), svgEsc(title))
		if p.row < 0 {
			// no room for its label: the line stays in the plot, where it
			// crosses no label, and its title says what it is.
			b.f(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="1.2"%s/>`, ex, ex, top, top+plotH, color, dash)
		} else {
			ly := labelRowY(p.row)
			b.f(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="1.2"%s/>`, ex, ex, ly+3, top+plotH, color, dash)
			anchor, tx := "start", ex+3
			if p.end {
				anchor, tx = "end", ex-3
			}
			b.f(`<text x="%.1f" y="%.1f" class="label" fill="%s" text-anchor="%s">%s</text>`, tx, ly, color, anchor, svgEsc(texts[i]))
		}
		b.f(`</g>`)
	}
	b.f(`</svg>`)
	return template.HTML(b.String())
}

// svgLoss draws each region's loss window as a bar against its RPO. The
// margins fit the longest region name and the longest label, so that no
// text is clipped; the drawing widens rather than cut a label.
func svgLoss(regions []engine.RegionResult) template.HTML {
	const rowH, minBars = 30.0, 480.0
	texts := make([]string, len(regions))
	for i, rr := range regions {
		texts[i] = "no acknowledged write lost"
		switch {
		case rr.AllDataLost:
			texts[i] = "all data lost"
		case rr.DataLoss > 0 || rr.LostWrites > 0:
			plural := "s"
			if rr.LostWrites == 1 {
				plural = ""
			}
			texts[i] = fmt.Sprintf("%s window, %d write%s lost", fmtDur(rr.DataLoss), rr.LostWrites, plural)
		}
	}
	// About 7.2 units a character at the bold label size, plus padding.
	left, right := 120.0, 230.0
	for i, rr := range regions {
		left = max(left, svgTextWidth(rr.Region)+16)
		right = max(right, svgTextWidth(texts[i])+16)
	}
	w := max(960, left+minBars+right)
	h := 30 + rowH*float64(len(regions))
	scale := time.Minute
	for _, rr := range regions {
		scale = max(scale, rr.DataLoss)
		if rr.Objectives.RPOSet {
			scale = max(scale, rr.Objectives.RPO)
		}
	}
	scale = time.Duration(float64(scale) * 1.08)
	pw := w - left - right
	x := func(d time.Duration) float64 { return left + pw*float64(d)/float64(scale) }
	var b svgBuf
	b.f(`<svg class="loss" viewBox="0 0 %.0f %.0f" role="img" aria-label="data loss per region">`, w, h)
	b.f(`<text x="%.1f" y="14" class="axis">loss window (newest to oldest lost acknowledged write); | = RPO</text>`, left)
	for i, rr := range regions {
		yy := 24 + rowH*float64(i)
		b.f(`<g class="lossrow" data-region="%s">`, svgEsc(rr.Region))
		b.f(`<text x="%.1f" y="%.1f" class="label" text-anchor="end">%s</text>`, left-8, yy+15, svgEsc(rr.Region))
		b.f(`<rect x="%.1f" y="%.1f" width="%.1f" height="18" fill="%s"/>`, left, yy+2, pw, "#f5f7fa")
		switch {
		case rr.AllDataLost:
			b.f(`<rect class="bar all" x="%.1f" y="%.1f" width="%.1f" height="18" fill="%s"/>`, left, yy+2, pw, svgDown)
		case rr.DataLoss > 0 || rr.LostWrites > 0:
			b.f(`<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="18" fill="%s"/>`, left, yy+2, max(2, x(rr.DataLoss)-left), svgBar)
		}
		if rr.Objectives.RPOSet {
			rx := x(rr.Objectives.RPO)
			b.f(`<line class="rpo" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="2.5"><title>RPO %s</title></line>`,
				rx, rx, yy-1, yy+23, svgInk, svgEsc(fmtDur(rr.Objectives.RPO)))
		}
		b.f(`<text x="%.1f" y="%.1f" class="label">%s</text>`, w-right+8, yy+15, svgEsc(texts[i]))
		b.f(`</g>`)
	}
	b.f(`</svg>`)
	return template.HTML(b.String())
}

// svgTextWidth estimates the width of a label at the label size (11.5px,
// semi-bold): 7.2 units a character is wider than the widest run of
// lower-case text and digits, so estimates err on the side of room.
func svgTextWidth(s string) float64 { return 7.2 * float64(len([]rune(s))) }

// svgHistogram draws the distribution of a figure over trials. The p50
// and p95 labels sit in a band of their own above the bars, so that a tall
// bar never runs under them.
func svgHistogram(title string, samples []engine.Bin, p50, p95 float64) template.HTML {
	const w, h, left, bottom = 460.0, 170.0, 36.0, 138.0
	const labelTop = 22.0            // the quantile labels' band starts here
	const barTop = labelTop + 2*13.0 // and the bars' area here
	var b svgBuf
	b.f(`<svg class="histogram" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s">`, w, h, svgEsc(title))
	b.f(`<text x="%.1f" y="14" class="label">%s</text>`, left, svgEsc(title))
	if len(samples) == 0 {
		b.f(`</svg>`)
		return template.HTML(b.String())
	}
	// samples are sorted by value.
	lo, hi := samples[0].Value, samples[len(samples)-1].Value
	total := 0
	for _, b := range samples {
		total += b.Count
	}
	if lo == hi {
		// Every trial gave the same figure (a deterministic path): one bar
		// and one label say it better than an empty range.
		b.f(`<rect class="bin" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%d trials</title></rect>`, (w+left)/2-12, barTop, 24.0, bottom-barTop, svgMeasure, total)
		b.f(`<text x="%.1f" y="%.1f" class="axis" text-anchor="middle">all %d trials: %s</text>`, (w+left)/2, bottom+16, total, svgEsc(fmtDur(lo)))
		b.f(`</svg>`)
		return template.HTML(b.String())
	}
	const bins = 24
	counts := make([]int, bins)
	span := max(hi-lo, time.Second)
	for _, v := range samples {
		i := int(float64(v.Value-lo) / float64(span) * bins)
		counts[min(i, bins-1)] += v.Count
	}
	most := 1
	for _, c := range counts {
		most = max(most, c)
	}
	pw := w - left - 10
	bw := pw / bins
	for i, c := range counts {
		bh := (bottom - barTop) * float64(c) / float64(most)
		b.f(`<rect class="bin" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%d trials</title></rect>`, left+bw*float64(i)+1, bottom-bh, bw-2, bh, svgMeasure, c)
	}
	xv := func(sec float64) float64 {
		return left + pw*(sec-lo.Seconds())/span.Seconds()
	}
	lastX := math.Inf(-1)
	for i, q := range []struct {
		name string
		v    float64
	}{{"p50", p50}, {"p95", p95}} {
		qx := max(left, min(xv(q.v), w-10))
		ly := labelTop + 10
		if i > 0 && qx-lastX < 90 {
			ly += 13 // close quantiles: the second label goes one line down
		}
		lastX = qx
		anchor := "start"
		tx := qx + 3
		if qx > w-100 {
			anchor, tx = "end", qx-3
		}
		b.f(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="3 2"/>`, qx, qx, ly+2, bottom, svgInk)
		b.f(`<text x="%.1f" y="%.1f" class="axis" text-anchor="%s">%s %s</text>`, tx, ly, anchor, q.name, svgEsc(fmtSecs(q.v)))
	}
	b.f(`<text x="%.1f" y="%.1f" class="axis">%s</text>`, left, bottom+16, svgEsc(fmtDur(lo)))
	b.f(`<text x="%.1f" y="%.1f" class="axis" text-anchor="end">%s</text>`, w-10, bottom+16, svgEsc(fmtDur(hi)))
	b.f(`</svg>`)
	return template.HTML(b.String())
}

// scatterUnit is where the scatter's downtime axis turns from linear to
// logarithmic. The axis is symlog: height grows with
// log10(1 + downtime/scatterUnit), so that no downtime sits at the base
// and a minute, ten minutes, an hour and a day each get room, where a
// linear axis running to days put every offer that recovered in minutes
// on 0.
const scatterUnit = time.Minute

func symlog(d time.Duration) float64 { return math.Log10(1 + float64(d)/float64(scatterUnit)) }

// scatterTicks are the downtime axis's candidate ticks, in steps a reader
// thinks in.
var scatterTicks = []time.Duration{0, time.Minute, 10 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour,
	7 * 24 * time.Hour, 30 * 24 * time.Hour, 365 * 24 * time.Hour}

// svgScatter plots each offer's monthly cost against its downtime, on a
// symlog downtime axis; offers that never recovered sit on a band of their
// own above it. A label goes at the first spot around its point that
// overlaps no other label, point, axis or tick label; a point with no
// such spot gets a number, listed under the chart. Offers at the same spot
// in several regions share one label.
func svgScatter(rows []engine.Row, multiRegion bool) template.HTML {
	// A point on the band is "not recovered"; a point under it reads off
	// the axis like the table's figure.
	const w, h, left, right, top, bottom = 960.0, 360.0, 70.0, 160.0, 20.0, 310.0
	const band = top + 4       // the not-recovered band
	const plotTop = top + 40.0 // the downtime axis's top
	maxCost, maxDown := 1.0, time.Hour
	for _, r := range rows {
		maxCost = max(maxCost, r.MonthlyCost)
		if r.Recovered {
			maxDown = max(maxDown, r.Downtime)
		}
	}
	costStep := svgNiceStep(maxCost*1.05, 5)
	maxCost = math.Ceil(maxCost*1.05/costStep) * costStep
	axisTop := scatterTicks[len(scatterTicks)-1]
	for _, t := range scatterTicks {
		if t >= maxDown {
			axisTop = t
			break
		}
	}
	axisTop = max(axisTop, maxDown)
	x := func(c float64) float64 { return left + (w-left-right)*c/maxCost }
	y := func(d time.Duration) float64 { return bottom - (bottom-plotTop)*symlog(d)/symlog(axisTop) }
	type box struct{ x0, y0, x1, y1 float64 }
	var taken []box
	var b svgBuf
	b.f(`<svg class="scatter" viewBox="0 0 %.0f %.0f" role="img" aria-label="monthly cost against downtime, downtime on a symlog scale">`, w, h)
	for c := costStep; c <= maxCost+costStep/2; c += costStep {
		b.f(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s"/>`, x(c), x(c), plotTop, bottom, svgGrid)
	}
	var ticks []time.Duration
	lastY := math.Inf(1)
	for _, d := range scatterTicks {
		if d > axisTop {
			break
		}
		if lastY-y(d) < 16 && d != axisTop {
			continue // too close to the previous tick to label
		}
		ticks, lastY = append(ticks, d), y(d)
	}
	for _, d := range ticks[1:] {
		b.f(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s"/>`, left, w-right, y(d), y(d), svgGrid)
	}
	b.f(`<line class="frame" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s"/>`, left, w-right, bottom, bottom, svgMuted)
	b.f(`<line class="frame" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s"/>`, left, left, plotTop-6, bottom, svgMuted)
	taken = append(taken, box{left, bottom - 1, w - right, bottom + 1}, box{left - 1, plotTop - 6, left + 1, bottom})
	b.f(`<line class="unrecovered" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="4 3"/>`, left, w-right, band, band, svgDown)
	b.f(`<text x="%.1f" y="%.1f" class="axis" fill="%s">not recovered</text>`, w-right+6, band+4, svgDown)
	taken = append(taken, box{w - right + 6, band - 8, w - right + 6 + svgTextWidth("not recovered"), band + 6},
		box{left, band - 1, w - right, band + 1}) // labels keep off the band's line too
	b.f(`<text x="%.1f" y="%.1f" class="axis" text-anchor="middle">monthly cost</text>`, (left+w-right)/2, h-12)
	axis := "downtime (symlog scale)"
	if len(rows) > 0 && rows[0].Trials != nil {
		axis = "downtime p95 (symlog scale)"
	}
	b.f(`<text x="14" y="%.1f" class="axis" transform="rotate(-90 14 %.1f)" text-anchor="middle">%s</text>`, (plotTop+bottom)/2, (plotTop+bottom)/2, axis)
	for c := 0.0; c <= maxCost+costStep/2; c += costStep {
		t := trimNum(c)
		b.f(`<text x="%.1f" y="%.1f" class="axis" text-anchor="middle">%s</text>`, x(c), bottom+16, svgEsc(t))
		tw := svgTextWidth(t)
		taken = append(taken, box{x(c) - tw/2, bottom + 4, x(c) + tw/2, bottom + 20})
	}
	for _, d := range ticks {
		t := fmtDur(d)
		if d == 0 {
			t = "0"
		}
		b.f(`<text x="%.1f" y="%.1f" class="axis" text-anchor="end">%s</text>`, left-6, y(d)+4, svgEsc(t))
		taken = append(taken, box{left - 6 - svgTextWidth(t), y(d) - 7, left - 6, y(d) + 6})
	}
	// Points first; offers at the same spot in several regions are one
	// label.
	type pt struct {
		px, py  float64
		label   string
		regions []string
		rows    []*engine.Row
		ys      []float64 // each row's own height
	}
	var pts []*pt
	for i := range rows {
		r := &rows[i]
		py := band
		if r.Recovered {
			py = y(r.Downtime)
		}
		px := x(r.MonthlyCost)
		var same *pt
		for _, p := range pts {
			if p.rows[0].Hosting == r.Hosting && math.Abs(p.px-px) < 1 && math.Abs(p.py-py) < 12 {
				same = p
			}
		}
		if same == nil {
			same = &pt{px: px, py: py}
			pts = append(pts, same)
		}
		// the first offer at a spot is a disc, the next ones rings around
		// it, so that a pass and a fail at the same spot both show.
		rad := 6 + 3.5*float64(len(same.rows))
		taken = append(taken, box{px - rad - 1, py - rad - 1, px + rad + 1, py + rad + 1})
		same.rows = append(same.rows, r)
		same.ys = append(same.ys, py)
		same.regions = append(same.regions, r.Region)
	}
	for _, p := range pts {
		p.label = p.rows[0].Hosting
		if multiRegion {
			p.label += " / " + strings.Join(p.regions, ", ")
		}
	}
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].px < pts[j].px })
	// near is how far a point is from a box.
	near := func(b box, x, y float64) float64 {
		return math.Hypot(max(b.x0-x, 0, x-b.x1), max(b.y0-y, 0, y-b.y1))
	}
	// spot finds a free place for a text of width tw around a point, one
	// nearer its own point than any other: a label must not read as
	// another offer's. It returns the text's anchor and where it goes: a
	// label left of its point ends there, one above or below is centred,
	// so that a font narrower than the estimate leaves no gap.
	spot := func(p *pt, tw float64) (x, y float64, anchor string, ok bool) {
		e := 3.5 * float64(len(p.rows)-1) // the outer ring's room beyond a disc
		for _, d := range []float64{e, 14 + e, 28 + e} {
			for _, s := range [][2]float64{{10 + e, 4}, {-10 - e - tw, 4}, {8, -10 - d}, {8, 18 + d}, {-8 - tw, -10 - d}, {-8 - tw, 18 + d}, {-tw / 2, -12 - d}, {-tw / 2, 22 + d}} {
				bx := box{p.px + s[0], p.py + s[1] - 10, p.px + s[0] + tw, p.py + s[1] + 3}
				if bx.x0 < 2 || bx.x1 > w-2 || bx.y0 < 2 || bx.y1 > bottom+22 {
					continue
				}
				clear := true
				for _, t := range taken {
					if bx.x0 < t.x1 && t.x0 < bx.x1 && bx.y0 < t.y1 && t.y0 < bx.y1 {
						clear = false
						break
					}
				}
				own := near(bx, p.px, p.py)
				for _, q := range pts {
					if q != p && near(bx, q.px, q.py) <= own {
						clear = false
					}
				}
				if clear {
					taken = append(taken, bx)
					switch {
					case s[0] == -tw/2:
						return p.px, p.py + s[1], "middle", true
					case s[0] < 0:
						return p.px + s[0] + tw, p.py + s[1], "end", true
					}
					return p.px + s[0], p.py + s[1], "start", true
				}
			}
		}
		return 0, 0, "", false
	}
	var key []string
	for _, p := range pts {
		for k, r := range p.rows {
			color := svgUp
			if !r.Pass {
				color = svgDown
			}
			who := r.Hosting
			if multiRegion {
				who += " / " + r.Region
			}
			b.f(`<g class="point" data-hosting="%s" data-recovered="%t"><title>%s: %s, downtime %s, cost %s</title>`, svgEsc(r.Hosting), r.Recovered, svgEsc(who), svgVerdictWord(r.Pass), svgEsc(downtimeText(&r.RegionResult)), svgEsc(trimNum(r.MonthlyCost)))
			if k == 0 {
				b.f(`<circle cx="%.1f" cy="%.1f" r="6" fill="%s" fill-opacity="0.85"/></g>`, p.px, p.ys[k], color)
			} else {
				b.f(`<circle cx="%.1f" cy="%.1f" r="%.1f" fill="none" stroke="%s" stroke-width="2.5"/></g>`, p.px, p.ys[k], 6+3.5*float64(k), color)
			}
		}
		label := p.label
		lx, ly, anchor, ok := spot(p, svgTextWidth(label))
		if !ok {
			// no room for the name: a number, explained under the chart.
			label = fmt.Sprint(len(key) + 1)
			if lx, ly, anchor, ok = spot(p, svgTextWidth(label)); !ok {
				continue // the point's title still names it
			}
			key = append(key, label+" "+p.label)
		}
		b.f(`<text x="%.1f" y="%.1f" class="label" text-anchor="%s" data-for="%s">%s</text>`, lx, ly, anchor, svgEsc(p.rows[0].Hosting), svgEsc(label))
	}
	b.f(`</svg>`)
	if len(key) > 0 {
		b.f(`<p class="legend">`)
		for _, k := range key {
			b.f(`<span>%s</span>`, svgEsc(k))
		}
		b.f(`</p>`)
	}
	return template.HTML(b.String())
}

// svgNiceStep is a 1, 2 or 5 times a power of ten step that cuts [0, hi]
// into at most n intervals.
func svgNiceStep(hi float64, n int) float64 {
	if hi <= 0 || n <= 0 {
		return 1
	}
	raw := hi / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			return m * mag
		}
	}
	return 10 * mag
}

// svgVerdictWord is the word for a verdict in tooltips.
func svgVerdictWord(pass bool) string {
	if pass {
		return "PASS"
	}
	return "FAIL"
}
