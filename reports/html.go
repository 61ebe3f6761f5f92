package reports

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"time"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/faults"
)

func init() { register("html", htmlWriter{}) }

// htmlWriter writes one self-contained page: styles and charts inline, no
// script, nothing fetched (a Content-Security-Policy forbids it), readable
// at laptop width and printable.
type htmlWriter struct{}

//go:embed html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

type htmlPage struct {
	Title, Description, File, Driver string
	Seed                             int64
	Trials                           int
	Start, Horizon                   string
	Pass                             bool
	Summary                          string
	Legend                           string
	Badges                           []htmlSummaryRow
	Faults                           []htmlFault
	Regions                          []htmlRegion
	Loss                             template.HTML
	Topology                         []htmlProvider
	Compare                          *htmlCompare
	Notes                            []string
}

// htmlBadge is one objective of one region, checked.
type htmlBadge struct {
	Target, Actual string
	Pass, Set      bool
}

// htmlSummaryRow is a region's line in the summary: its objectives by
// kind, so that the table's columns line up.
type htmlSummaryRow struct {
	Region, Hosting string
	Pass            bool
	RTO, RPO, Avail htmlBadge
}

type htmlFault struct{ ID, At, When string }

type htmlRegion struct {
	Name, Hosting, Verdict, Recovery  string
	Downtime, Loss, Lost, Avail, Hits string
	Pass                              bool
	Timeline                          template.HTML
	Events                            []htmlEvent
	Histograms                        []template.HTML
	Phases                            []engine.Phase
}

type htmlEvent struct {
	At, When, Kind, Basis, Text, Took string
}

type htmlProvider struct {
	Name  string
	SLA   string
	Sites []htmlSite
}

type htmlSite struct {
	Name string
	DCs  []htmlDC
}

type htmlDC struct {
	Name  string
	State string // "", "destroyed", "powered off"
	Tags  []htmlTag
}

type htmlTag struct{ Role, Region string }

type htmlCompare struct {
	Head    []string
	Rows    [][]htmlCell
	Scatter template.HTML
}

type htmlCell struct {
	Text  string
	Style template.CSS
}

func (htmlWriter) WriteRun(w io.Writer, r *engine.Result) error {
	if r == nil {
		return fmt.Errorf("html report: no result")
	}
	p := htmlHead(r)
	p.Pass = r.Pass()
	p.Summary = summaryLine(r.Regions, "regions")
	p.Legend = legendLine(r, r.Regions)
	for i := range r.Regions {
		rr := &r.Regions[i]
		row := htmlSummaryRow{Region: rr.Region, Hosting: rr.Hosting, Pass: rr.Pass}
		for _, v := range rr.Verdicts {
			b := htmlBadge{Target: v.Target, Actual: v.Actual, Pass: v.Pass, Set: true}
			switch v.Objective {
			case "rto":
				row.RTO = b
			case "rpo":
				row.RPO = b
			default:
				row.Avail = b
			}
		}
		p.Badges = append(p.Badges, row)
		p.Regions = append(p.Regions, htmlRegionOf(r, rr))
	}
	p.Loss = svgLoss(r.Regions)
	return htmlRender(w, p)
}

func (htmlWriter) WriteComparison(w io.Writer, c *engine.Comparison) error {
	if c == nil {
		return fmt.Errorf("html report: no comparison")
	}
	p := htmlHead(&c.Result)
	rows := sortedRows(c)
	regions := map[string]bool{}
	var results []engine.RegionResult
	for _, row := range rows {
		regions[row.Region] = true
		results = append(results, row.RegionResult)
	}
	p.Pass = true
	for _, row := range rows {
		p.Pass = p.Pass && row.Pass
	}
	p.Summary = summaryLine(results, "offers")
	p.Legend = legendLine(&c.Result, results)
	p.Compare = htmlCompareOf(rows, len(regions) > 1)
	return htmlRender(w, p)
}

func htmlRender(w io.Writer, p htmlPage) error {
	// Render to memory first: a template error must not leave half a page.
	var buf bytes.Buffer
	if err := htmlTemplate.Execute(&buf, p); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	return nil
}

func htmlHead(r *engine.Result) htmlPage {
	p := htmlPage{
		Title: r.Experiment, Description: r.Description, File: r.File, Driver: r.Driver,
		Seed: r.Seed, Trials: max(r.Trials, 1), Start: r.Start.Format("Mon 2 Jan 2006 15:04 MST"), Horizon: fmtDur(r.Horizon),
		Notes: r.Notes,
	}
	for _, f := range r.Faults {
		p.Faults = append(p.Faults, htmlFault{ID: faults.ID(f.Fault), At: "+" + fmtDur(f.At), When: r.Start.Add(f.At).Format("Mon 2 Jan 15:04")})
	}
	p.Topology = htmlTopology(r)
	return p
}

func htmlRegionOf(r *engine.Result, rr *engine.RegionResult) htmlRegion {
	hr := htmlRegion{
		Name: rr.Region, Hosting: rr.Hosting, Verdict: verdictWord(rr), Pass: rr.Pass, Recovery: string(rr.Recovery),
		Downtime: downtimeText(rr), Loss: lossText(rr), Lost: writesText(rr),
		Avail: fmt.Sprintf("%.3f%%", rr.Availability), Hits: hitText(rr),
		Timeline: svgTimeline(r.Start, r.Horizon, rr), Phases: rr.Phases,
	}
	for _, e := range rr.Timeline {
		ev := htmlEvent{At: "+" + fmtDur(e.At), When: r.Start.Add(e.At).Format("Mon 15:04:05"), Kind: string(e.Kind), Basis: string(e.Basis), Text: e.Text}
		if e.Took > 0 {
			ev.Took = fmtDur(e.Took)
			if e.Took < time.Second {
				ev.Took = fmt.Sprintf("%dms", e.Took.Milliseconds())
			}
		}
		hr.Events = append(hr.Events, ev)
	}
	if d := rr.Trials; d != nil && d.N > 1 {
		hr.Histograms = []template.HTML{
			svgHistogram(fmt.Sprintf("downtime over %d trials", d.N), d.Downtimes, d.Downtime.P50, d.Downtime.P95),
			svgHistogram(fmt.Sprintf("data loss window over %d trials", d.N), d.DataLosses, d.DataLoss.P50, d.DataLoss.P95),
		}
	}
	return hr
}

// htmlTopology lays out providers, sites and datacenters, with what each
// region keeps where, and what the faults (as drawn) destroyed or powered
// off.
func htmlTopology(r *engine.Result) []htmlProvider {
	e := r.Setup
	if e == nil {
		return nil
	}
	state := map[string]string{}
	for _, f := range r.Faults {
		for _, ef := range f.Fault.Effects(f.At) {
			for _, dc := range ef.Datacenters {
				switch ef.Action {
				case faults.Destroy, faults.LoseDisk:
					state[dc] = "destroyed"
				case faults.PowerOff:
					if state[dc] == "" {
						state[dc] = "powered off"
					}
				}
			}
		}
	}
	tags := map[string][]htmlTag{}
	for _, reg := range e.Regions {
		h := reg.Hosting
		tags[h.Primary.Name] = append(tags[h.Primary.Name], htmlTag{"primary", reg.Name})
		if h.Standby != nil {
			tags[h.Standby.Name] = append(tags[h.Standby.Name], htmlTag{"standby", reg.Name})
		}
		seen := map[string]bool{}
		for _, b := range h.Backups {
			if !seen[b.To.Name] {
				seen[b.To.Name] = true
				tags[b.To.Name] = append(tags[b.To.Name], htmlTag{"backups", reg.Name})
			}
		}
	}
	var out []htmlProvider
	for _, p := range e.Providers {
		hp := htmlProvider{Name: p.Name}
		if p.AvailabilitySLA > 0 {
			hp.SLA = trimNum(p.AvailabilitySLA) + "% SLA"
		}
		sites := map[string]*htmlSite{}
		var order []string
		for _, d := range e.Datacenters {
			if d.Provider != p {
				continue
			}
			s := sites[d.Site]
			if s == nil {
				s = &htmlSite{Name: d.Site}
				sites[d.Site] = s
				order = append(order, d.Site)
			}
			s.DCs = append(s.DCs, htmlDC{Name: d.Name, State: state[d.Name], Tags: tags[d.Name]})
		}
		for _, name := range order {
			hp.Sites = append(hp.Sites, *sites[name])
		}
		out = append(out, hp)
	}
	return out
}

// htmlCompareOf builds the heat-mapped procurement matrix: each figure
// column is coloured from best (green) to worst (red) among the offers.
func htmlCompareOf(rows []engine.Row, multiRegion bool) *htmlCompare {
	c := &htmlCompare{Head: []string{"Region", "Offer", "Rank", "Downtime", "Data loss", "Lost writes", "Availability", "Monthly cost", "Verdict"}}
	type col struct {
		val        func(engine.Row) float64
		lowIsGood  bool
		text       func(engine.Row) string
		lo, hi     float64
		notRecover func(engine.Row) bool
	}
	inf := math.Inf(1)
	cols := []*col{
		{val: func(r engine.Row) float64 {
			if !r.Recovered {
				return inf
			}
			return r.Downtime.Seconds()
		}, lowIsGood: true, text: func(r engine.Row) string { return downtimeText(&r.RegionResult) }},
		{val: func(r engine.Row) float64 {
			if r.AllDataLost {
				return inf
			}
			return r.DataLoss.Seconds()
		}, lowIsGood: true, text: func(r engine.Row) string { return lossText(&r.RegionResult) }},
		{val: func(r engine.Row) float64 {
			if r.AllDataLost {
				return inf
			}
			return float64(r.LostWrites)
		}, lowIsGood: true, text: func(r engine.Row) string { return writesText(&r.RegionResult) }},
		{val: func(r engine.Row) float64 { return r.Availability }, text: func(r engine.Row) string { return fmt.Sprintf("%.3f%%", r.Availability) }},
		{val: func(r engine.Row) float64 { return r.MonthlyCost }, lowIsGood: true, text: func(r engine.Row) string { return trimNum(r.MonthlyCost) }},
	}
	for _, k := range cols {
		k.lo, k.hi = inf, math.Inf(-1)
		for _, r := range rows {
			if v := k.val(r); !math.IsInf(v, 0) {
				k.lo, k.hi = min(k.lo, v), max(k.hi, v)
			}
		}
	}
	for _, r := range rows {
		cells := []htmlCell{{Text: r.Region}, {Text: r.Hosting}, {Text: fmt.Sprint(r.Rank)}}
		for _, k := range cols {
			v := k.val(r)
			bad := 0.0 // 0 best .. 1 worst
			switch {
			case math.IsInf(v, 1):
				bad = 1
			case k.hi > k.lo:
				bad = (v - k.lo) / (k.hi - k.lo)
				if !k.lowIsGood {
					bad = 1 - bad
				}
			}
			hue := 120 * (1 - bad)
			cells = append(cells, htmlCell{Text: k.text(r), Style: template.CSS(fmt.Sprintf("background:hsl(%.0f,65%%,86%%)", hue))})
		}
		cells = append(cells, htmlCell{Text: verdictWord(&r.RegionResult)})
		c.Rows = append(c.Rows, cells)
	}
	sorted := append([]engine.Row(nil), rows...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].MonthlyCost < sorted[j].MonthlyCost })
	c.Scatter = svgScatter(sorted, multiRegion)
	return c
}
