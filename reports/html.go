package reports

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
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

// htmlPage is one self-contained page: one document per experiment run
// (several with several files), or one comparison.
type htmlPage struct {
	Title string
	Pass  bool
	Docs  []htmlDoc
}

// htmlDoc is one experiment's report. ID prefixes its anchors when a page
// holds several.
type htmlDoc struct {
	ID, Title, File string
	Description     template.HTML // wraps between words only
	Driver          string
	Seed            int64
	Trials          int
	Start, Horizon  string
	Pass            bool
	Summary         string
	Legend          string
	Labels          columnLabels
	Badges          []htmlSummaryRow
	Faults          []htmlFault
	FaultsHeading   string
	Regions         []htmlRegion
	Loss            template.HTML
	Topology        []htmlProvider
	TopologyWhen    string // "at the end (+3d)": the moment the topology shows
	Offers          []htmlOffer
	SLA             []htmlSLA
	Compare         *htmlCompare
	Notes           []string
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
	P95, P99        htmlBadge // latency objectives
}

type htmlFault struct{ ID, At, When string }

type htmlRegion struct {
	Name, Hosting, Verdict, Recovery  string
	Downtime, Loss, Lost, Avail, Hits string
	Served, Baseline                  string
	Latency, Slow                     string // worst p95 / p99, time slow; empty when none
	Passed, AllLost, Unrecovered      string // with trials
	Pass                              bool
	Timeline                          template.HTML
	Events                            []htmlEvent
	Histograms                        []template.HTML
	Phases                            []engine.Phase
}

type htmlEvent struct {
	At, When, Kind, Basis, Took string
	Text                        template.HTML // wraps between words only
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
	Name    string
	State   string   // at the end: "", "destroyed", "disks lost", "powered off"
	History []string // what the faults did to it, in order
	Tags    []htmlTag
}

// htmlTag is a role a datacenter holds at the end, or held (Former) until
// a failover or a restore moved it.
type htmlTag struct {
	Role, Region, Note string
	Former             bool
}

// htmlOffer is one hosting offer's topology in a comparison.
type htmlOffer struct {
	Name, Summary string
	Providers     []htmlProvider
}

// htmlSLA is a provider's advertised availability against what a hosting
// achieved.
type htmlSLA struct {
	Provider, SLA, Region, Hosting, Achieved string
	Below                                    bool
}

type htmlCompare struct {
	Head     []string
	Groups   []htmlGroup
	Scatter  template.HTML
	Cheapest string
	Found    bool // an offer meets every objective of every region
	RankRule string
}

// htmlGroup is one region's offers in the matrix, a heading row over
// them: a column of the region's name, repeated, would cost width.
type htmlGroup struct {
	Region string
	Rows   [][]htmlCell
}

type htmlCell struct {
	Label   string // the column's heading, shown beside the figure on a narrow page
	Text    string
	Class   string
	Style   template.CSS
	Verdict string // pass, fail, or "" when no objective judges the column
	Title   string
}

func (htmlWriter) WriteRun(w io.Writer, r *engine.Result) error {
	return htmlWriter{}.WriteRuns(w, []*engine.Result{r})
}

// WriteRuns writes one page with a section per experiment.
func (htmlWriter) WriteRuns(w io.Writer, rs []*engine.Result) error {
	p := htmlPage{Pass: true}
	var titles []string
	for i, r := range rs {
		if r == nil {
			return fmt.Errorf("html report: no result")
		}
		d := htmlDocOf(r)
		if len(rs) > 1 {
			d.ID = fmt.Sprintf("x%d-", i+1)
		}
		p.Docs = append(p.Docs, d)
		p.Pass = p.Pass && d.Pass
		titles = append(titles, r.Experiment)
	}
	p.Title = strings.Join(titles, ", ")
	return htmlRender(w, p)
}

func htmlDocOf(r *engine.Result) htmlDoc {
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
			case "latency_p95":
				row.P95 = b
			case "latency_p99":
				row.P99 = b
			default:
				row.Avail = b
			}
		}
		p.Badges = append(p.Badges, row)
		p.Regions = append(p.Regions, htmlRegionOf(r, rr))
	}
	p.Loss = svgLoss(r.Regions)
	p.Topology = htmlTopology(r, nil, nil)
	p.SLA = htmlSLAOf(r, r.Regions)
	return p
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
	p.Pass = c.Pass()
	// A row is a region and an offer: with several regions, the rows are
	// pairs, not offers.
	noun := "offers"
	if len(regions) > 1 {
		noun = "region/offer pairs"
	}
	p.Summary = summaryLine(results, noun)
	p.Legend = legendLine(&c.Result, results)
	p.Compare = htmlCompareOf(c, rows, len(regions) > 1)
	p.Offers = htmlOffers(c)
	p.SLA = htmlSLAOf(&c.Result, results)
	return htmlRender(w, htmlPage{Title: c.Experiment, Pass: p.Pass, Docs: []htmlDoc{p}})
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

func htmlHead(r *engine.Result) htmlDoc {
	p := htmlDoc{
		Title: r.Experiment, Description: unbrokenWords(r.Description), File: r.File, Driver: r.Driver,
		Seed: r.Seed, Trials: max(r.Trials, 1), Start: r.Start.Format("Mon 2 Jan 2006 15:04 MST"), Horizon: fmtDur(r.Horizon),
		Notes: r.Notes, Labels: labels(r.Trials), FaultsHeading: faultsHeading(r.Trials),
		TopologyWhen: "at the end (+" + fmtDur(r.Horizon) + ")",
	}
	if r.Trials > 1 {
		p.TopologyWhen = "at the end of trial 1 (+" + fmtDur(r.Horizon) + ")"
	}
	for _, f := range sortedFaults(r.Faults) {
		p.Faults = append(p.Faults, htmlFault{ID: faultID(f), At: faultWhen(f, r.Trials), When: r.Start.Add(f.At).Format("Mon 2 Jan 15:04")})
	}
	return p
}

func htmlRegionOf(r *engine.Result, rr *engine.RegionResult) htmlRegion {
	hr := htmlRegion{
		Name: rr.Region, Hosting: rr.Hosting, Verdict: verdictWord(rr), Pass: rr.Pass, Recovery: recoveryText(rr),
		Downtime: downtimeText(rr), Loss: lossText(rr), Lost: writesText(rr),
		Avail: availText(rr), Served: servedText(rr), Hits: hitText(rr),
		Timeline: svgTimeline(r.Start, r.Horizon, rr), Phases: rr.Phases,
	}
	if b := rr.Baseline; b != nil {
		hr.Baseline = engine.FormatAvailability(b.Availability)
	}
	if rr.P95 > 0 {
		hr.Latency = engine.FormatLatency(rr.P95) + " / " + engine.FormatLatency(rr.P99)
	}
	if rr.Slow > 0 {
		hr.Slow = fmtDur(rr.Slow)
	}
	for _, e := range rr.Timeline {
		ev := htmlEvent{At: "+" + fmtDur(e.At), When: clockAt(r.Start, e.At).Format("Mon 15:04:05"), Kind: eventWord(e.Kind), Basis: string(e.Basis), Text: unbrokenWords(e.Text)}
		if e.Took > 0 {
			ev.Took = fmtDur(e.Took)
			if e.Took < time.Second {
				ev.Took = fmt.Sprintf("%dms", e.Took.Milliseconds())
			}
		}
		hr.Events = append(hr.Events, ev)
	}
	if d := rr.Trials; d != nil && d.N > 1 {
		hr.Passed, hr.AllLost, hr.Unrecovered = shareText(d.Passed, d.N), shareText(d.AllDataLost, d.N), shareText(d.Unrecovered, d.N)
		hr.Histograms = []template.HTML{
			svgHistogram(fmt.Sprintf("downtime over %d trials", d.N), d.Downtimes, d.Downtime.P50, d.Downtime.P95),
			svgHistogram(fmt.Sprintf("data loss window over %d trials", d.N), d.DataLosses, d.DataLoss.P50, d.DataLoss.P95),
		}
	}
	return hr
}

// unbrokenWords escapes text and keeps each word that holds a hyphen on
// one line: browsers break after a hyphen, and names such as
// "connection_surge.monday-morning" must not be cut.
func unbrokenWords(text string) template.HTML {
	words := strings.Split(text, " ")
	for i, w := range words {
		words[i] = template.HTMLEscapeString(w)
		if strings.Contains(w, "-") {
			words[i] = `<span class="nw">` + words[i] + `</span>`
		}
	}
	return template.HTML(strings.Join(words, " "))
}

func htmlSLAOf(r *engine.Result, regions []engine.RegionResult) []htmlSLA {
	var out []htmlSLA
	for i := range regions {
		if s, ok := slaOf(r, &regions[i]); ok {
			out = append(out, htmlSLA{Provider: s.Provider, SLA: trimNum(s.Advertised) + "%", Region: regions[i].Region,
				Hosting: regions[i].Hosting, Achieved: engine.FormatAvailability(s.Achieved), Below: s.Below})
		}
	}
	return out
}

// htmlOffers draws each compared offer's own topology: where its primary,
// standby and backups live, and what the faults did there.
func htmlOffers(c *engine.Comparison) []htmlOffer {
	e := c.Setup
	if e == nil {
		return nil
	}
	var out []htmlOffer
	for _, name := range c.Hostings {
		h := e.Hosting(name)
		if h == nil {
			continue
		}
		out = append(out, htmlOffer{Name: name, Summary: hostingSummary(h), Providers: htmlTopology(&c.Result, h, offerMoves(c, name))})
	}
	return out
}

// offerMoves is where an offer's primary went, when it went the same way
// in every region it was run for; nil (roles as configured) otherwise.
func offerMoves(c *engine.Comparison, hosting string) []primaryMove {
	var moves []primaryMove
	first := true
	for _, row := range c.Rows {
		if row.Hosting != hosting {
			continue
		}
		m := primaryMoves(row.Timeline)
		if !first && !slices.Equal(m, moves) {
			return nil
		}
		moves, first = m, false
	}
	return moves
}

// hostingSummary says in one line what an offer is made of.
func hostingSummary(h *experiments.Hosting) string {
	var parts []string
	if h.Primary != nil {
		parts = append(parts, "primary in "+h.Primary.Name)
	}
	if h.Standby != nil {
		parts = append(parts, fmt.Sprintf("%s standby in %s, %s failover", h.Replication, h.Standby.Name, h.Failover))
	}
	for _, b := range h.Backups {
		if b.To != nil {
			parts = append(parts, fmt.Sprintf("backups every %s to %s", fmtDur(b.Every), b.To.Name))
		}
	}
	if len(h.Backups) == 0 {
		parts = append(parts, "no backup")
	}
	parts = append(parts, fmt.Sprintf("%d app servers", h.AppReplicas))
	if h.MaxSessions > 0 {
		parts = append(parts, fmt.Sprintf("admission control at %d sessions", h.MaxSessions))
	}
	parts = append(parts, fmt.Sprintf("%s a month", trimNum(h.MonthlyCost)))
	return strings.Join(parts, "; ")
}

// dcHistory is what the faults (as drawn) did to one datacenter: its state
// at the end of the horizon and what happened, in order.
type dcHistory struct {
	state  string // at the end: "", "destroyed", "disks lost", "powered off"
	events []dcEvent
}

type dcEvent struct {
	at   time.Duration
	text string
}

// datacenterStates replays the faults' effects on the datacenters over the
// horizon. A datacenter whose power came back before the end is up at the
// end, its outage kept in its history; a destroyed one stays destroyed.
func datacenterStates(r *engine.Result) map[string]*dcHistory {
	out := map[string]*dcHistory{}
	get := func(dc string) *dcHistory {
		if out[dc] == nil {
			out[dc] = &dcHistory{}
		}
		return out[dc]
	}
	for _, f := range sortedFaults(r.Faults) {
		if f.Fault == nil {
			continue
		}
		for _, ef := range f.Effects {
			// An effect without an end (For 0), or ending at or after the
			// horizon, still holds at the end.
			lasts := ef.For <= 0 || ef.End() >= r.Horizon
			for _, dc := range ef.Datacenters {
				d := get(dc)
				switch ef.Action {
				case faults.Destroy:
					d.state = "destroyed"
					d.events = append(d.events, dcEvent{ef.At, "destroyed +" + fmtDur(ef.At)})
				case faults.LoseDisk:
					if d.state != "destroyed" {
						d.state = "disks lost"
					}
					d.events = append(d.events, dcEvent{ef.At, "disks lost +" + fmtDur(ef.At)})
				case faults.PowerOff:
					if d.state == "destroyed" {
						continue
					}
					text := "powered off +" + fmtDur(ef.At)
					if lasts {
						if d.state == "" {
							d.state = "powered off"
						}
					} else {
						text += ", back +" + fmtDur(ef.End())
					}
					d.events = append(d.events, dcEvent{ef.At, text})
				case faults.Partition:
					text := "network cut +" + fmtDur(ef.At)
					if !lasts {
						text += ", healed +" + fmtDur(ef.End())
					}
					d.events = append(d.events, dcEvent{ef.At, text})
				}
			}
		}
	}
	for _, d := range out {
		sort.SliceStable(d.events, func(i, j int) bool { return d.events[i].at < d.events[j].at })
	}
	return out
}

// primaryMove is a region's primary database moving to another datacenter.
type primaryMove struct {
	to string
	at time.Duration
}

// primaryMoves lists where a region's primary went, from the timeline's
// failovers and restores.
func primaryMoves(timeline []engine.Event) []primaryMove {
	var out []primaryMove
	for _, e := range timeline {
		if e.Primary != "" && (e.Kind == engine.EventFailoverDone || e.Kind == engine.EventRestoreDone) {
			out = append(out, primaryMove{e.Primary, e.At})
		}
	}
	return out
}

// htmlTopology lays out providers, sites and datacenters as they are at the
// end of the horizon: what the faults (as drawn) destroyed or left powered
// off, with each datacenter's history, and where each region's primary,
// standby and backups are after its failovers and restores (a role a
// datacenter lost is shown as such). With only set, it shows that
// hosting's datacenters alone, tagged by role, moved by moves.
func htmlTopology(r *engine.Result, only *experiments.Hosting, onlyMoves []primaryMove) []htmlProvider {
	e := r.Setup
	if e == nil {
		return nil
	}
	states := datacenterStates(r)
	tags := map[string][]htmlTag{}
	tag := func(h *experiments.Hosting, region string, moves []primaryMove) {
		primary, standby := "", ""
		if h.Primary != nil {
			primary = h.Primary.Name
		}
		if h.Standby != nil {
			standby = h.Standby.Name
		}
		since := ""
		for _, m := range moves {
			if primary != "" && primary != m.to {
				tags[primary] = append(tags[primary], htmlTag{Role: "primary", Region: region, Former: true, Note: "until +" + fmtDur(m.at)})
			}
			// a failover or a restore leaves the region with no standby.
			primary, standby, since = m.to, "", "since +"+fmtDur(m.at)
		}
		if primary != "" {
			tags[primary] = append(tags[primary], htmlTag{Role: "primary", Region: region, Note: since})
		}
		if standby != "" {
			tags[standby] = append(tags[standby], htmlTag{Role: "standby", Region: region})
		} else if h.Standby != nil && len(moves) > 0 && h.Standby.Name != primary {
			tags[h.Standby.Name] = append(tags[h.Standby.Name], htmlTag{Role: "standby", Region: region, Former: true, Note: "until +" + fmtDur(moves[0].at)})
		}
		seen := map[string]bool{}
		for _, b := range h.Backups {
			if b.To != nil && !seen[b.To.Name] {
				seen[b.To.Name] = true
				tags[b.To.Name] = append(tags[b.To.Name], htmlTag{Role: "backups", Region: region})
			}
		}
	}
	if only != nil {
		tag(only, "", onlyMoves)
	} else {
		timelines := map[string][]engine.Event{}
		for _, rr := range r.Regions {
			timelines[rr.Region] = rr.Timeline
		}
		for _, reg := range e.Regions {
			if reg.Hosting != nil {
				tag(reg.Hosting, reg.Name, primaryMoves(timelines[reg.Name]))
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
			if d.Provider != p || only != nil && tags[d.Name] == nil {
				continue
			}
			s := sites[d.Site]
			if s == nil {
				s = &htmlSite{Name: d.Site}
				sites[d.Site] = s
				order = append(order, d.Site)
			}
			dc := htmlDC{Name: d.Name, Tags: tags[d.Name]}
			if st := states[d.Name]; st != nil {
				dc.State = st.state
				for _, ev := range st.events {
					dc.History = append(dc.History, ev.text)
				}
			}
			s.DCs = append(s.DCs, dc)
		}
		for _, name := range order {
			hp.Sites = append(hp.Sites, *sites[name])
		}
		if len(hp.Sites) > 0 {
			out = append(out, hp)
		}
	}
	return out
}

// htmlCompareOf builds the procurement matrix. A cell's colour says first
// whether the figure meets the region's objective (green) or misses it
// (red); only within each of the two does the shade go from best to worst.
// Columns no objective judges (served, cost) are shaded in grey-blue.
func htmlCompareOf(c *engine.Comparison, rows []engine.Row, multiRegion bool) *htmlCompare {
	l := labels(c.Trials)
	out := &htmlCompare{Head: []string{"Rank", "Offer", l.Down, l.Loss, l.Lost, l.Avail, l.Served, "Monthly cost", "Verdict"},
		Cheapest: cheapestLine(c), RankRule: engine.RankRule}
	_, _, out.Found = c.CheapestPassing()
	type col struct {
		val       func(engine.Row) float64
		lowIsGood bool
		text      func(engine.Row) string
		objective string // the verdict that judges it, "" for none
	}
	inf := math.Inf(1)
	cols := []col{
		{val: func(r engine.Row) float64 {
			if !r.Recovered {
				return inf
			}
			return r.Downtime.Seconds()
		}, lowIsGood: true, text: func(r engine.Row) string { return downtimeText(&r.RegionResult) }, objective: "rto"},
		{val: func(r engine.Row) float64 {
			if r.AllDataLost {
				return inf
			}
			return r.DataLoss.Seconds()
		}, lowIsGood: true, text: func(r engine.Row) string { return lossText(&r.RegionResult) }, objective: "rpo"},
		{val: func(r engine.Row) float64 {
			if r.AllDataLost {
				return inf
			}
			return float64(r.LostWrites)
		}, lowIsGood: true, text: func(r engine.Row) string { return writesText(&r.RegionResult) }, objective: "rpo"},
		{val: func(r engine.Row) float64 { return r.Availability }, text: func(r engine.Row) string { return availText(&r.RegionResult) }, objective: "availability"},
		{val: func(r engine.Row) float64 { return r.ServedRatio }, text: func(r engine.Row) string { return servedText(&r.RegionResult) }},
		{val: func(r engine.Row) float64 { return r.MonthlyCost }, lowIsGood: true, text: func(r engine.Row) string { return trimNum(r.MonthlyCost) }},
	}
	verdictOf := func(r engine.Row, objective string) (engine.Verdict, bool) {
		for _, v := range r.Verdicts {
			if v.Objective == objective {
				return v, true
			}
		}
		return engine.Verdict{}, false
	}
	group := func(r engine.Row, k col) string {
		if v, ok := verdictOf(r, k.objective); ok && k.objective != "" {
			if v.Pass {
				return "pass"
			}
			return "fail"
		}
		return ""
	}
	for _, r := range rows {
		cells := []htmlCell{{Text: fmt.Sprint(r.Rank), Class: "num"}, {Text: r.Hosting, Class: "name"}}
		for _, k := range cols {
			g := group(r, k)
			// best and worst among the offers in the same group, for the
			// same region: shades compare like with like.
			lo, hi := inf, math.Inf(-1)
			for _, o := range rows {
				if o.Region != r.Region || group(o, k) != g {
					continue
				}
				if v := k.val(o); !math.IsInf(v, 0) {
					lo, hi = min(lo, v), max(hi, v)
				}
			}
			v := k.val(r)
			bad := 0.0 // 0 best .. 1 worst within the group
			switch {
			case math.IsInf(v, 1):
				bad = 1
			case hi > lo:
				bad = (v - lo) / (hi - lo)
				if !k.lowIsGood {
					bad = 1 - bad
				}
			}
			cell := htmlCell{Text: k.text(r), Verdict: g}
			switch g {
			case "pass":
				// deeper green for the best, paler towards the worst pass.
				cell.Style = template.CSS(fmt.Sprintf("background:hsl(130,55%%,%.0f%%)", 78+14*bad))
				if v, ok := verdictOf(r, k.objective); ok {
					cell.Title = "meets " + strings.ToUpper(v.Objective) + " " + v.Target
				}
			case "fail":
				// pale red for the nearest miss, deeper towards the worst.
				cell.Style = template.CSS(fmt.Sprintf("background:hsl(0,75%%,%.0f%%)", 92-14*bad))
				if v, ok := verdictOf(r, k.objective); ok {
					cell.Title = "misses " + strings.ToUpper(v.Objective) + " " + v.Target
				}
			default:
				cell.Style = template.CSS(fmt.Sprintf("background:hsl(210,25%%,%.0f%%)", 86+8*bad))
			}
			cells = append(cells, cell)
		}
		verdict := verdictWord(&r.RegionResult)
		if best, ok := c.CheapestPassingFor(r.Region); ok && best.Hosting == r.Hosting {
			verdict += ", cheapest passing"
		}
		cells = append(cells, htmlCell{Text: verdict})
		for i := range cells {
			cells[i].Label = out.Head[i]
		}
		if n := len(out.Groups); n == 0 || out.Groups[n-1].Region != r.Region {
			out.Groups = append(out.Groups, htmlGroup{Region: r.Region})
		}
		g := &out.Groups[len(out.Groups)-1]
		g.Rows = append(g.Rows, cells)
	}
	sorted := append([]engine.Row(nil), rows...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].MonthlyCost < sorted[j].MonthlyCost })
	out.Scatter = svgScatter(sorted, multiRegion)
	return out
}
