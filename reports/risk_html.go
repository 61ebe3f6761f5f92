package reports

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/firedrill/firedrill/engine"
)

// riskPalette tells offers apart in the charts; it repeats past eight.
var riskPalette = []string{"#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b83280", "#2c7a7b", "#975a16", "#4a5568"}

type riskHTMLPage struct {
	Title, Description string
	Facts              []string
	Pass               bool
	Regions            []riskHTMLRegion
	Cheapest           []string
	RankRule, Note     string
}

type riskHTMLRegion struct {
	Name       string
	Objectives string
	Rows       []riskHTMLRow
	Legend     []riskHTMLLegend
	Exceedance template.HTML
	Downtime   template.HTML
	CostRisk   template.HTML
	LossUnit   string
}

type riskHTMLLegend struct{ Name, Colour string }

type riskHTMLRow struct {
	Hosting, Incidents, PIncident, Downtime, P50, P95, P99, Avail, RTO, RPO, Total, Lost string
	Monthly, ALE, TCO, Rank, Verdict                                                     string
	Pass, BelowSLA, Cheapest                                                             bool
}

var riskHTMLTemplate = template.Must(template.New("risk").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>firedrill risk: {{.Title}}</title>
<style>
:root { --ink:#1f2933; --muted:#616e7c; --line:#e4e7eb; --pass:#2f855a; --fail:#c53030; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 28px 32px 60px; }
header.top { border-bottom: 3px solid var(--ink); padding-bottom: 14px; margin-bottom: 18px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h1 .brand { font-weight: 400; color: var(--muted); font-size: 15px; display: block; letter-spacing: 0.04em; text-transform: uppercase; }
h2 { font-size: 19px; margin: 34px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 4px; }
p.desc { margin: 4px 0 10px; color: var(--muted); font-size: 16px; }
ul.facts { color: var(--muted); font-size: 13.5px; padding-left: 18px; margin: 8px 0; }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 999px; font-weight: 700; font-size: 13px; color: #fff; }
.verdict.pass { background: var(--pass); } .verdict.fail { background: var(--fail); }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; margin: 8px 0; }
.card.cheapest { border-left: 4px solid var(--pass); background: #f0fff4; }
.card h4 { margin: 0 0 6px; font-size: 14.5px; display: flex; flex-wrap: wrap; gap: 2px 14px; }
.card h4 span { white-space: nowrap; }
.card .ok { color: var(--pass); } .card .fail { color: var(--fail); }
dl.figs { display: flex; flex-wrap: wrap; gap: 4px 22px; margin: 0; }
dl.figs div { white-space: nowrap; }
dt { font-size: 11px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); }
dd { margin: 0; font-weight: 600; font-size: 13.5px; font-variant-numeric: tabular-nums; }
.below { color: var(--fail); font-weight: 700; }
.cheapest-line { border-left: 4px solid var(--pass); padding: 6px 10px; background: #f0fff4; margin: 6px 0; }
.charts { display: flex; flex-wrap: wrap; gap: 18px; }
.chart { flex: 1 1 340px; min-width: 300px; }
svg { width: 100%; height: auto; display: block; }
svg text { font-family: inherit; }
svg .axis { font-size: 11px; fill: #616e7c; }
svg .label { font-size: 11px; font-weight: 600; }
.legend { font-size: 12px; color: var(--muted); display: flex; flex-wrap: wrap; gap: 14px; margin: 4px 0; }
.legend i { display: inline-block; width: 18px; height: 0; vertical-align: middle; margin-right: 4px; border-top: 3px solid; }
p.note { color: var(--muted); font-size: 13px; }
</style>
</head>
<body>
<main>
<header class="top">
<h1><span class="brand">firedrill risk</span>{{.Title}} <span class="verdict {{if .Pass}}pass{{else}}fail{{end}}">{{if .Pass}}PASS{{else}}FAIL{{end}}</span></h1>
{{if .Description}}<p class="desc">{{.Description}}</p>{{end}}
<ul class="facts">{{range .Facts}}<li>{{.}}</li>{{end}}</ul>
</header>
{{range .Cheapest}}<p class="cheapest-line">{{.}}</p>{{end}}
{{range .Regions}}
<section>
<h2>{{.Name}}</h2>
<p class="note">Annual objectives: {{.Objectives}}.</p>
<div class="legend">{{range .Legend}}<span><i style="border-color:{{.Colour}}"></i>{{.Name}}</span>{{end}}</div>
<div class="charts">
<div class="chart"><h3>Loss exceedance: chance a year loses more than x ({{.LossUnit}})</h3>{{.Exceedance}}</div>
<div class="chart"><h3>Annual downtime distribution: share of years, those with downtime</h3>{{.Downtime}}</div>
<div class="chart"><h3>Cost of ownership against risk</h3>{{.CostRisk}}</div>
</div>
<h3>Offers, best first</h3>
{{range .Rows}}<div class="card{{if .Cheapest}} cheapest{{end}}">
<h4><span>{{.Rank}}. {{.Hosting}}</span> <span class="{{if .Pass}}ok{{else}}fail{{end}}">{{.Verdict}}</span></h4>
<dl class="figs">
<div><dt>Downtime a year</dt><dd>{{.Downtime}}</dd></div>
<div><dt>p50 / p95 / p99</dt><dd>{{.P50}} / {{.P95}} / {{.P99}}</dd></div>
<div><dt>Availability (mean, p5)</dt><dd{{if .BelowSLA}} class="below"{{end}}>{{.Avail}}</dd></div>
<div><dt>P(incident)</dt><dd>{{.PIncident}}</dd></div>
<div><dt>Years with incident</dt><dd>{{.Incidents}}</dd></div>
<div><dt>P(&gt; RTO)</dt><dd>{{.RTO}}</dd></div>
<div><dt>P(&gt; RPO)</dt><dd>{{.RPO}}</dd></div>
<div><dt>P(all data lost)</dt><dd>{{.Total}}</dd></div>
<div><dt>Lost writes a year</dt><dd>{{.Lost}}</dd></div>
<div><dt>Monthly cost</dt><dd>{{.Monthly}}</dd></div>
<div><dt>Annualised loss</dt><dd>{{.ALE}}</dd></div>
<div><dt>Cost of ownership</dt><dd>{{.TCO}}</dd></div>
</dl>
</div>
{{end}}</section>
{{end}}
<p class="note">Rank: {{.RankRule}}</p>
<p class="note">{{.Note}}</p>
</main>
</body>
</html>
`))

func writeRiskHTML(w io.Writer, r *engine.Risk) error {
	p := riskHTMLPage{Title: r.Experiment, Description: r.Description, Facts: riskFacts(r), Pass: r.Pass(),
		Cheapest: riskCheapestLines(r), RankRule: engine.RiskRankRule, Note: riskNote}
	rows := riskRows(r)
	for _, reg := range r.Regions() {
		hr := riskHTMLRegion{Name: reg}
		var rs []engine.RiskRow
		for _, row := range rows {
			if row.Region == reg {
				rs = append(rs, row)
			}
		}
		colour := map[string]string{}
		for i, h := range r.Hostings {
			colour[h] = riskPalette[i%len(riskPalette)]
		}
		for i := range rs {
			row := &rs[i]
			hr.Legend = append(hr.Legend, riskHTMLLegend{row.Hosting, colour[row.Hosting]})
			c := r.Cheapest(reg)
			hr.Rows = append(hr.Rows, riskHTMLRow{Hosting: row.Hosting, Incidents: incidentYears(r, row), PIncident: probEst(&row.PIncident),
				Downtime: meanSecs(row.Downtime), P50: riskSecs(row.DowntimeP50), P95: riskSecs(row.DowntimeP95), P99: riskSecs(row.DowntimeP99),
				Avail: availCell(row), RTO: probEst(row.PRTOBreach), RPO: probEst(row.PRPOBreach), Total: probEst(&row.PTotalLoss),
				Lost: writesEst(row.LostWrites), Monthly: money(row.MonthlyCost, r.Currency), ALE: aleOf(r, row), TCO: costOf(r, row),
				Rank: strconv.Itoa(row.Rank), Verdict: riskVerdict(r, row),
				Pass: row.Pass, BelowSLA: row.AvailabilitySLA > 0 && row.Availability.Mean < row.AvailabilitySLA,
				Cheapest: c != nil && c.Hosting == row.Hosting})
			hr.LossUnit = row.LossUnit(r.Currency)
			hr.Objectives = annualObjectives(row)
		}
		hr.Exceedance = svgExceedance(rs, colour, hr.LossUnit)
		hr.Downtime = svgDowntimeBars(rs, colour)
		hr.CostRisk = svgCostRisk(r, rs, colour)
		p.Regions = append(p.Regions, hr)
	}
	if err := riskHTMLTemplate.Execute(w, p); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	return nil
}

// chart geometry shared by the risk charts.
const (
	rcW, rcH                      = 420.0, 280.0
	rcLeft, rcRight, rcTop, rcBot = 56.0, 14.0, 12.0, 44.0
)

// logTicks are the powers of ten from lo to hi.
func logTicks(lo, hi float64) []float64 {
	var out []float64
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		out = append(out, math.Pow(10, e))
	}
	return out
}

func shortNum(f float64) string {
	switch {
	case f >= 1e9:
		return strconv.FormatFloat(f/1e9, 'g', 3, 64) + "G"
	case f >= 1e6:
		return strconv.FormatFloat(f/1e6, 'g', 3, 64) + "M"
	case f >= 1e3:
		return strconv.FormatFloat(f/1e3, 'g', 3, 64) + "k"
	}
	return strconv.FormatFloat(f, 'g', 3, 64)
}

// svgExceedance draws P(loss > x) on log-log axes, one step line per offer.
// A year that loses nothing is below every x > 0: each line starts at its
// share of years with a loss.
func svgExceedance(rows []engine.RiskRow, colour map[string]string, unit string) template.HTML {
	xlo, xhi, plo := math.Inf(1), 0.0, 1.0
	for _, r := range rows {
		for _, p := range r.Exceedance {
			if p.X > 0 && p.P > 0 {
				xlo, xhi, plo = min(xlo, p.X), max(xhi, p.X), min(plo, p.P)
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg viewBox="0 0 %g %g" role="img" aria-label="loss exceedance">`, rcW, rcH)
	pw, ph := rcW-rcLeft-rcRight, rcH-rcTop-rcBot
	if xhi <= 0 {
		fmt.Fprintf(&b, `<text class="axis" x="%g" y="%g" text-anchor="middle">no simulated year lost anything</text></svg>`, rcW/2, rcH/2)
		return template.HTML(b.String())
	}
	lx0, lx1 := math.Log10(xlo)-0.05, math.Log10(max(xhi, xlo*10))+0.05
	// below one year in a million the curve says nothing a buyer can use.
	ly0 := max(math.Floor(math.Log10(plo)), -6)
	x := func(v float64) float64 { return rcLeft + pw*(math.Log10(v)-lx0)/(lx1-lx0) }
	y := func(p float64) float64 { return rcTop + ph*(1-(math.Log10(p)-ly0)/(0-ly0)) }
	fmt.Fprintf(&b, `<rect x="%g" y="%g" width="%g" height="%g" fill="none" stroke="#e4e7eb"/>`, rcLeft, rcTop, pw, ph)
	for _, t := range logTicks(math.Pow(10, lx0), math.Pow(10, lx1)) {
		if xt := x(t); xt >= rcLeft-0.5 && xt <= rcLeft+pw+0.5 {
			fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%g" y2="%g" stroke="#eef0f3"/><text class="axis" x="%.1f" y="%g" text-anchor="middle">%s</text>`,
				xt, xt, rcTop, rcTop+ph, xt, rcTop+ph+14, shortNum(t))
		}
	}
	for e := ly0; e <= 0; e++ {
		yt := y(math.Pow(10, e))
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#eef0f3"/><text class="axis" x="%g" y="%.1f" text-anchor="end">%s</text>`,
			rcLeft, rcLeft+pw, yt, yt, rcLeft-4, yt+4, probText(math.Pow(10, e)))
	}
	fmt.Fprintf(&b, `<text class="axis" x="%g" y="%g" text-anchor="middle">loss in a year (%s), log scale</text>`, rcLeft+pw/2, rcH-6, template.HTMLEscapeString(unit))
	for _, r := range rows {
		var pts []string
		prevP := -1.0
		for _, p := range r.Exceedance {
			if p.X <= 0 || p.P < math.Pow(10, ly0) {
				continue
			}
			if prevP > 0 {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(p.X), y(prevP)))
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(p.X), y(p.P)))
			prevP = p.P
		}
		if len(pts) > 0 {
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"><title>%s</title></polyline>`,
				colour[r.Hosting], strings.Join(pts, " "), template.HTMLEscapeString(r.Hosting))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// svgDowntimeBars draws the annual downtime's distribution: per band of
// hours (a factor of two wide), one bar per offer, the share of years. The
// years without downtime, most of them, are left out so that the bands
// that matter can be read; the table gives their share.
func svgDowntimeBars(rows []engine.RiskRow, colour map[string]string) template.HTML {
	var bands []float64
	for _, r := range rows {
		for _, bn := range r.Distribution {
			if bn.From > 0 && !containsF(bands, bn.From) {
				bands = append(bands, bn.From)
			}
		}
	}
	sort.Float64s(bands)
	pmax := 0.0
	for _, r := range rows {
		for _, bn := range r.Distribution {
			if bn.From > 0 {
				pmax = max(pmax, bn.P)
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg viewBox="0 0 %g %g" role="img" aria-label="annual downtime distribution">`, rcW, rcH)
	pw, ph := rcW-rcLeft-rcRight, rcH-rcTop-rcBot
	if len(bands) == 0 || pmax <= 0 {
		fmt.Fprintf(&b, `<text class="axis" x="%g" y="%g" text-anchor="middle">no simulated year had downtime</text></svg>`, rcW/2, rcH/2)
		return template.HTML(b.String())
	}
	fmt.Fprintf(&b, `<rect x="%g" y="%g" width="%g" height="%g" fill="none" stroke="#e4e7eb"/>`, rcLeft, rcTop, pw, ph)
	for i := 0; i <= 4; i++ {
		v := pmax * float64(i) / 4
		yt := rcTop + ph*(1-v/pmax)
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#eef0f3"/><text class="axis" x="%g" y="%.1f" text-anchor="end">%s</text>`,
			rcLeft, rcLeft+pw, yt, yt, rcLeft-4, yt+4, probText(v))
	}
	gw := pw / float64(len(bands))
	bw := gw * 0.8 / float64(len(rows))
	// label every k-th band, each starting at its band's left edge, so that
	// no label runs into the next one or into the axis' own labels.
	widest := 0.0
	for _, band := range bands {
		widest = max(widest, svgTextWidth("≥ "+hoursLabel(band)))
	}
	k := max(1, int(math.Ceil((widest+8)/gw)))
	for i, band := range bands {
		if x0 := rcLeft + gw*(float64(i)+0.1); i%k == 0 && x0+widest <= rcLeft+pw {
			fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%g">%s</text>`, x0, rcTop+ph+16, "≥ "+hoursLabel(band))
		}
		for j, r := range rows {
			for _, bn := range r.Distribution {
				if bn.From != band {
					continue
				}
				h := ph * bn.P / pmax
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s of years</title></rect>`,
					rcLeft+gw*float64(i)+gw*0.1+bw*float64(j), rcTop+ph-h, bw, h, colour[r.Hosting], template.HTMLEscapeString(r.Hosting), probText(bn.P))
			}
		}
	}
	fmt.Fprintf(&b, `<text class="axis" x="%g" y="%g" text-anchor="middle">downtime in a year (bands twice as wide each)</text>`, rcLeft+pw/2, rcH-6)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func hoursLabel(h float64) string {
	switch {
	case h < 1:
		return strconv.FormatFloat(h*60, 'g', 3, 64) + "m"
	case h < 48:
		return strconv.FormatFloat(h, 'g', 3, 64) + "h"
	}
	return strconv.FormatFloat(h/24, 'g', 3, 64) + "d"
}

func containsF(s []float64, v float64) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// svgCostRisk places each offer by its mean annual downtime (risk) and its
// yearly cost (of ownership with costs, else of hosting).
func svgCostRisk(r *engine.Risk, rows []engine.RiskRow, colour map[string]string) template.HTML {
	cost := func(row *engine.RiskRow) float64 {
		if row.Costs {
			return row.TCO.Mean
		}
		return 12 * row.MonthlyCost
	}
	xmax, ymax := 0.0, 0.0
	for i := range rows {
		xmax, ymax = max(xmax, rows[i].Downtime.Mean/3600), max(ymax, cost(&rows[i]))
	}
	xmax, ymax = niceCeil(xmax), niceCeil(ymax)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg viewBox="0 0 %g %g" role="img" aria-label="cost of ownership against risk">`, rcW, rcH)
	left := rcLeft + 14
	pw, ph := rcW-left-rcRight, rcH-rcTop-rcBot
	fmt.Fprintf(&b, `<rect x="%g" y="%g" width="%g" height="%g" fill="none" stroke="#e4e7eb"/>`, left, rcTop, pw, ph)
	x := func(v float64) float64 { return left + pw*v/xmax }
	y := func(v float64) float64 { return rcTop + ph*(1-v/ymax) }
	for i := 0; i <= 4; i++ {
		xv, yv := xmax*float64(i)/4, ymax*float64(i)/4
		fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%g" text-anchor="middle">%s</text>`, x(xv), rcTop+ph+14, strconv.FormatFloat(xv, 'g', 3, 64))
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#eef0f3"/><text class="axis" x="%g" y="%.1f" text-anchor="end">%s</text>`,
			left, left+pw, y(yv), y(yv), left-4, y(yv)+4, shortNum(yv))
	}
	// each label goes where it overlaps no other label and no point, and
	// stays in the plot; an offer with no such place keeps its title and
	// its colour in the legend.
	type box struct{ x0, y0, x1, y1 float64 }
	var taken []box
	for i := range rows {
		cx, cy := x(rows[i].Downtime.Mean/3600), y(cost(&rows[i]))
		taken = append(taken, box{cx - 6, cy - 6, cx + 6, cy + 6})
	}
	overlaps := func(a box) bool {
		for _, t := range taken {
			if a.x0 < t.x1+3 && t.x0 < a.x1+3 && a.y0 < t.y1+2 && t.y0 < a.y1+2 {
				return true
			}
		}
		return false
	}
	for i := range rows {
		row := &rows[i]
		cx, cy := x(row.Downtime.Mean/3600), y(cost(row))
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="5" fill="%s"><title>%s</title></circle>`,
			cx, cy, colour[row.Hosting], template.HTMLEscapeString(row.Hosting))
		w := svgTextWidth(row.Hosting)
		for _, c := range [][2]float64{{8, -7}, {8, 13}, {-8 - w, -7}, {-8 - w, 13}, {-w / 2, -10}, {-w / 2, 20}} {
			a := box{cx + c[0], cy + c[1] - 11, cx + c[0] + w, cy + c[1] + 2}
			if a.x0 < left || a.x1 > left+pw || a.y0 < rcTop || a.y1 > rcTop+ph || overlaps(a) {
				continue
			}
			taken = append(taken, a)
			fmt.Fprintf(&b, `<text class="label" x="%.1f" y="%.1f" fill="%s">%s</text>`, a.x0, cy+c[1], colour[row.Hosting], template.HTMLEscapeString(row.Hosting))
			break
		}
	}
	what := "cost of ownership a year"
	if len(rows) > 0 && !rows[0].Costs {
		what = "hosting cost a year"
	}
	if r.Currency != "" {
		what += " (" + r.Currency + ")"
	}
	fmt.Fprintf(&b, `<text class="axis" x="%g" y="%g" text-anchor="middle">mean downtime a year (hours)</text>`, left+pw/2, rcH-6)
	fmt.Fprintf(&b, `<text class="axis" transform="translate(12 %g) rotate(-90)" text-anchor="middle">%s</text>`, rcTop+ph/2, template.HTMLEscapeString(what))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten (1 for 0).
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*e >= v {
			return m * e
		}
	}
	return 10 * e
}
