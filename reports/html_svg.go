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
		return "up"
	case engine.EventOverload:
		return "overload"
	case engine.EventAdmission:
		return "admission control"
	}
	return ""
}

// svgTimeline draws a region's success ratio over the horizon, outages
// shaded, and its events marked: solid for measured, dashed for modeled.
func svgTimeline(start time.Time, horizon time.Duration, rr *engine.RegionResult) template.HTML {
	const w, h = 960.0, 230.0
	const left, right, top, plotH = 44.0, 12.0, 70.0, 110.0
	pw := w - left - right
	if horizon <= 0 {
		horizon = time.Hour
	}
	x := func(t time.Duration) float64 {
		t = max(0, min(t, horizon))
		return left + pw*float64(t)/float64(horizon)
	}
	y := func(v float64) float64 { return top + plotH*(1-max(0, min(v, 1))) }
	var b svgBuf
	b.f(`<svg class="timeline" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s: service over the horizon">`, w, h, svgEsc(rr.Region))
	// Grid and axes.
	for _, v := range []float64{0, 0.5, 1} {
		b.f(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s"/>`, left, w-right, y(v), y(v), svgGrid)
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
		if o.State == engine.StateDegraded {
			state, fill = "degraded", svgDegrBg
		}
		b.f(`<rect class="outage %s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" fill-opacity="0.6"><title>%s %s – %s</title></rect>`,
			state, x(o.Start), top, max(1, x(o.End)-x(o.Start)), plotH, fill, svgEsc(stateWord(o.State)), svgEsc(fmtDur(o.Start)), svgEsc(fmtDur(o.End)))
	}
	for _, in := range rr.Incidents {
		state, fill := "down", svgDown
		if in.State == engine.StateDegraded {
			state, fill = "degraded", svgFault
		}
		title := fmt.Sprintf("incident +%s to +%s, %s; recovery: %s; %s of requests served",
			fmtDur(in.Start), fmtDur(in.End), stateWord(in.State), recoveryWord(in.Recovery), percentText(in.ServedRatio))
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
	// Events: labelled ones on up to four staggered rows above the plot,
	// the others as ticks under it.
	rowEnd := make([]float64, 4)
	for _, e := range rr.Timeline {
		ex := x(e.At)
		color, dash := svgMeasure, ""
		if e.Basis == engine.Modeled {
			color, dash = svgModel, ` stroke-dasharray="4 3"`
		}
		if e.Kind == engine.EventFault {
			color = svgFault
		}
		label := svgEventLabel(e)
		title := fmt.Sprintf("%s (+%s, %s): %s", eventWord(e.Kind), fmtDur(e.At), e.Basis, e.Text)
		if e.Took > 0 {
			title += fmt.Sprintf(" — took %s", fmtDur(e.Took))
		}
		if label == "" {
			b.f(`<line class="tick" data-kind="%s" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s"><title>%s</title></line>`,
				svgEsc(string(e.Kind)), ex, ex, top+plotH-8, top+plotH, svgMuted, svgEsc(title))
			continue
		}
		row := -1
		width := 6.2*float64(len([]rune(label))) + 8
		for i, end := range rowEnd {
			if ex >= end {
				row = i
				break
			}
		}
		ly := 14 + 14*float64(max(row, 0))
		b.f(`<g class="marker" data-kind="%s" data-basis="%s"><title>%s</title>`, svgEsc(string(e.Kind)), svgEsc(string(e.Basis)), svgEsc(title))
		b.f(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="1.2"%s/>`, ex, ex, ly+3, top+plotH, color, dash)
		if row >= 0 {
			anchor, tx := "start", ex+3
			if ex+width > w-right {
				anchor, tx = "end", ex-3
			}
			b.f(`<text x="%.1f" y="%.1f" class="label" fill="%s" text-anchor="%s">%s</text>`, tx, ly, color, anchor, svgEsc(label))
			rowEnd[row] = ex + width
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

// svgScatter plots each offer's monthly cost against its downtime; offers
// that never recovered sit on the top line. Axes end on round values and
// labels move around their point so that close offers stay readable.
func svgScatter(rows []engine.Row, multiRegion bool) template.HTML {
	// Offers that never recovered sit on a band of their own above the
	// downtime axis, with a gap: a point on the band is "not recovered",
	// and a point under it reads off the axis like the table's figure.
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
	headroom := time.Duration(float64(maxDown) * 1.1)
	downStep := svgTicks(headroom, 5)
	maxDown = (headroom + downStep - 1) / downStep * downStep
	x := func(c float64) float64 { return left + (w-left-right)*c/maxCost }
	y := func(d time.Duration) float64 { return bottom - (bottom-plotTop)*float64(d)/float64(maxDown) }
	var b svgBuf
	b.f(`<svg class="scatter" viewBox="0 0 %.0f %.0f" role="img" aria-label="monthly cost against downtime">`, w, h)
	for c := costStep; c <= maxCost+costStep/2; c += costStep {
		b.f(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s"/>`, x(c), x(c), plotTop, bottom, svgGrid)
	}
	for d := downStep; d <= maxDown; d += downStep {
		b.f(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s"/>`, left, w-right, y(d), y(d), svgGrid)
	}
	b.f(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s"/>`, left, w-right, bottom, bottom, svgMuted)
	b.f(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s"/>`, left, left, plotTop-6, bottom, svgMuted)
	b.f(`<line class="unrecovered" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="4 3"/>`, left, w-right, band, band, svgDown)
	b.f(`<text x="%.1f" y="%.1f" class="axis" fill="%s">not recovered</text>`, w-right+6, band+4, svgDown)
	b.f(`<text x="%.1f" y="%.1f" class="axis" text-anchor="middle">monthly cost</text>`, (left+w-right)/2, h-12)
	axis := "downtime"
	if len(rows) > 0 && rows[0].Trials != nil {
		axis = "downtime (p95 over trials)"
	}
	b.f(`<text x="14" y="%.1f" class="axis" transform="rotate(-90 14 %.1f)" text-anchor="middle">%s</text>`, (plotTop+bottom)/2, (plotTop+bottom)/2, axis)
	for c := 0.0; c <= maxCost+costStep/2; c += costStep {
		b.f(`<text x="%.1f" y="%.1f" class="axis" text-anchor="middle">%s</text>`, x(c), bottom+16, svgEsc(trimNum(c)))
	}
	for d := time.Duration(0); d <= maxDown; d += downStep {
		b.f(`<text x="%.1f" y="%.1f" class="axis" text-anchor="end">%s</text>`, left-6, y(d)+4, svgEsc(fmtDur(d)))
	}
	// Points first, then labels placed in order of cost, each at the first
	// spot around its point that overlaps no label or point already there.
	type placed struct{ x0, y0, x1, y1 float64 }
	var taken []placed
	type pt struct {
		px, py float64
		label  string
		r      *engine.Row
	}
	pts := make([]pt, 0, len(rows))
	for i := range rows {
		r := &rows[i]
		py := band
		if r.Recovered {
			py = y(r.Downtime)
		}
		label := r.Hosting
		if multiRegion {
			label += " / " + r.Region
		}
		pts = append(pts, pt{x(r.MonthlyCost), py, label, r})
		taken = append(taken, placed{x(r.MonthlyCost) - 6, py - 6, x(r.MonthlyCost) + 6, py + 6})
	}
	order := make([]int, len(pts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return pts[order[i]].px < pts[order[j]].px })
	for _, i := range order {
		p := pts[i]
		color := svgUp
		if !p.r.Pass {
			color = svgDown
		}
		b.f(`<g class="point" data-hosting="%s" data-recovered="%t"><title>%s: %s, downtime %s, cost %s</title>`, svgEsc(p.r.Hosting), p.r.Recovered, svgEsc(p.label), svgVerdictWord(p.r.Pass), svgEsc(downtimeText(&p.r.RegionResult)), svgEsc(trimNum(p.r.MonthlyCost)))
		b.f(`<circle cx="%.1f" cy="%.1f" r="6" fill="%s" fill-opacity="0.85"/>`, p.px, p.py, color)
		tw := 6.6 * float64(len([]rune(p.label)))
		// Candidate spots: right, above-right, below-right, left, higher up.
		spots := [][2]float64{{9, 4}, {6, -10}, {6, 18}, {-9 - tw, 4}, {6, -24}, {6, 32}, {-tw / 2, -12}, {-tw / 2, 22}}
		best := spots[0]
		for _, s := range spots {
			bx := placed{p.px + s[0], p.py + s[1] - 10, p.px + s[0] + tw, p.py + s[1] + 3}
			if bx.y1 > bottom+1 && s[1] > 4 {
				continue // under the axis
			}
			clear := true
			for k, t := range taken {
				if k == i {
					continue // its own point
				}
				if bx.x0 < t.x1 && t.x0 < bx.x1 && bx.y0 < t.y1 && t.y0 < bx.y1 {
					clear = false
					break
				}
			}
			if clear {
				best = s
				break
			}
		}
		taken = append(taken, placed{p.px + best[0], p.py + best[1] - 10, p.px + best[0] + tw, p.py + best[1] + 3})
		b.f(`<text x="%.1f" y="%.1f" class="label">%s</text></g>`, p.px+best[0], p.py+best[1], svgEsc(p.label))
	}
	b.f(`</svg>`)
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
