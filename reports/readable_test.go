package reports

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/firedrill/firedrill/engine"
)

// TestWriteRunsOneDocument: several results make one document per format.
func TestWriteRunsOneDocument(t *testing.T) {
	a, b := runSingle(), runMany()
	b.Experiment = "second"
	rs := []*engine.Result{a, b}
	write := func(format string) []byte {
		w, _ := ByName(format)
		var buf bytes.Buffer
		if err := w.WriteRuns(&buf, rs); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	var doc struct {
		Schema  string
		Pass    bool
		Reports []struct {
			Experiment struct{ Name string }
		}
	}
	dec := json.NewDecoder(bytes.NewReader(write("json")))
	if err := dec.Decode(&doc); err != nil || dec.More() {
		t.Fatalf("json: %v, more values: %v", err, dec.More())
	}
	if doc.Schema != RunsSchema || doc.Pass || len(doc.Reports) != 2 || doc.Reports[1].Experiment.Name != "second" {
		t.Errorf("json: %+v", doc)
	}
	var suites junitSuites
	if err := xml.Unmarshal(write("junit"), &suites); err != nil {
		t.Fatal(err)
	}
	// runSingle: 11 cases, 7 failing (TestJUnitCounts); runMany judges the
	// same figures: 22 cases, 14 failing, in one suite per experiment.
	if len(suites.Suites) != 2 || suites.Tests != 22 || suites.Failures != 14 || suites.Suites[1].Name != "second" {
		t.Errorf("junit: %d suites, %d tests, %d failures", len(suites.Suites), suites.Tests, suites.Failures)
	}
	page := write("html")
	if bytes.Count(page, []byte("<html")) != 1 || bytes.Count(page, []byte("<article")) != 2 {
		t.Errorf("html: %d pages, %d articles", bytes.Count(page, []byte("<html")), bytes.Count(page, []byte("<article")))
	}
	// one result: exactly what WriteRun writes.
	for _, format := range []string{"json", "junit", "html", "markdown", "table"} {
		w, _ := ByName(format)
		var one, many bytes.Buffer
		w.WriteRun(&one, a)
		w.WriteRuns(&many, []*engine.Result{a})
		if !bytes.Equal(one.Bytes(), many.Bytes()) {
			t.Errorf("%s: WriteRuns of one result differs from WriteRun", format)
		}
	}
}

// TestFaultsSorted: faults are listed by time, whatever the file's order.
func TestFaultsSorted(t *testing.T) {
	r := runSingle()
	r.Faults = []engine.Scheduled{
		{Fault: testFault{kind: "datacenter_fire", name: "late"}, At: 3*24*time.Hour + 22*time.Hour},
		{Fault: testFault{kind: "datacenter_fire", name: "early"}, At: 12 * time.Hour},
		{Fault: testFault{kind: "connection_surge", name: "morning"}, At: 9 * time.Hour},
	}
	for _, format := range []string{"table", "markdown", "json", "html"} {
		out := string(render(t, format, r, nil))
		i, j, k := strings.Index(out, "connection_surge.morning"), strings.Index(out, "datacenter_fire.early"), strings.Index(out, "datacenter_fire.late")
		if i < 0 || !(i < j && j < k) {
			t.Errorf("%s lists faults at %d, %d, %d: not by time (9h, 12h, 3d22h)", format, i, j, k)
		}
	}
}

// TestTrialsReadable: with trials, columns say which percentile they show,
// each fault shows its drawn range, the pass rate and the shares of trials
// that lost all data or never recovered are shown, and a region that lost
// everything is labelled so rather than with a duration.
func TestTrialsReadable(t *testing.T) {
	r := runMany()
	for _, format := range []string{"table", "markdown"} {
		out := string(render(t, format, r, nil))
		for _, want := range []string{
			"Downtime p50/p95/max", "Lost writes p95", "Availability p95", "Served p95",
			// the fire is drawn from [0, 24h]: "+0s to +1d".
			"+0s to +1d, drawn per trial (trial 1: +2h42m)",
			// alsace passed 190 of 200 trials: 95%.
			"190/200 (95%)",
			// corse lost everything and never came back, in all 200 trials.
			"all data lost in every trial", "not recovered in any trial", "200/200 (100%)",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q", format, want)
			}
		}
	}
	page := visibleText(t, render(t, "html", r, nil))
	for _, want := range []string{"Trials passed", "Lost all data", "Never recovered", "Downtime p50/p95/max", "Availability p95", "+0s to +1d", "190/200 (95%)"} {
		if !strings.Contains(page, want) {
			t.Errorf("html lacks %q", want)
		}
	}
}

// TestEnumWords: recovery paths and event kinds read as words in the
// table, the Markdown and the HTML (JSON keeps the identifiers).
func TestEnumWords(t *testing.T) {
	r := runSingle()
	enum := regexp.MustCompile(`\b(load_subsided|power_back|failover_done|fault_injected|failure_detected|restore_done|service_restored)\b`)
	for _, format := range []string{"table", "markdown"} {
		if m := enum.FindString(string(render(t, format, r, nil))); m != "" {
			t.Errorf("%s prints %q", format, m)
		}
	}
	if m := enum.FindString(visibleText(t, render(t, "html", r, nil))); m != "" {
		t.Errorf("html shows %q", m)
	}
	if !strings.Contains(string(render(t, "table", r, nil)), "load subsided") {
		t.Error("table does not say the load subsided")
	}
}

// visibleText is a page's text, without tags, attributes or styles.
func visibleText(t *testing.T, page []byte) string {
	t.Helper()
	z := html.NewTokenizer(bytes.NewReader(page))
	var b strings.Builder
	skip := false
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		switch tt {
		case html.StartTagToken:
			name, _ := z.TagName()
			skip = string(name) == "style"
		case html.EndTagToken:
			skip = false
		case html.TextToken:
			if !skip {
				b.Write(z.Text())
				b.WriteByte(' ')
			}
		}
	}
	return b.String()
}

// TestHeatColours: a cell is green when it meets the region's objective
// and red when it misses it, whatever the other offers did: 96.6% fails
// an availability objective of 99.5% even as the best of the offers.
func TestHeatColours(t *testing.T) {
	c := comparison()
	for i := range c.Rows {
		// make the single-DC offer the best on availability (96.6%), still
		// under the 99.5% objective, and the dual-DC one worse (95%).
		r := &c.Rows[i]
		if r.Hosting == "ovh-sbg-single" {
			r.Availability = 96.6
		} else {
			r.Availability = 95
			r.Pass = false
		}
		for k := range r.Verdicts {
			if r.Verdicts[k].Objective == "availability" {
				r.Verdicts[k].Pass = false
			}
		}
	}
	hc := htmlCompareOf(c, sortedRows(c), true)
	hue := regexp.MustCompile(`hsl\((\d+),`)
	for _, g := range hc.Groups {
		for _, row := range g.Rows {
			// columns: rank, offer, downtime, loss, lost, availability…
			cell := row[5]
			m := hue.FindStringSubmatch(string(cell.Style))
			if cell.Verdict != "fail" || m == nil || m[1] != "0" {
				t.Errorf("%s on %s: availability %s has verdict %q and style %q, want red", g.Region, row[1].Text, cell.Text, cell.Verdict, cell.Style)
			}
			// downtime: dual-DC's 25m meets the 4h RTO (green), single's 9h
			// misses it (red).
			cell = row[2]
			want := map[string]string{"ovh-sbg-dual-dc": "130", "ovh-sbg-single": "0"}[row[1].Text]
			if m := hue.FindStringSubmatch(string(cell.Style)); m == nil || m[1] != want {
				t.Errorf("%s on %s: downtime %s style %q, want hue %s", g.Region, row[1].Text, cell.Text, cell.Style, want)
			}
		}
	}
}

// TestScatterAgrees: an offer that recovered after 2d2h sits on the
// downtime axis, not on the "not recovered" band, and says what the table
// says.
func TestScatterAgrees(t *testing.T) {
	rows := []engine.Row{
		{RegionResult: engine.RegionResult{Hosting: "a-single", MonthlyCost: 2600, Recovered: true, Downtime: 50*time.Hour + 35*time.Minute}},
		{RegionResult: engine.RegionResult{Hosting: "b-offsite", MonthlyCost: 3100, Recovered: true, Downtime: 3*time.Hour + 40*time.Minute}},
		{RegionResult: engine.RegionResult{Hosting: "z-gone", MonthlyCost: 1000, Recovered: false, Downtime: 70 * time.Hour}},
	}
	svg := string(svgScatter(rows, false))
	cy := map[string]float64{}
	var band float64
	z := html.NewTokenizer(strings.NewReader(svg))
	current := ""
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		a := map[string]string{}
		for _, at := range tok.Attr {
			a[at.Key] = at.Val
		}
		switch {
		case tok.Data == "g" && a["class"] == "point":
			current = a["data-hosting"]
		case tok.Data == "circle":
			cy[current], _ = strconv.ParseFloat(a["cy"], 64)
		case tok.Data == "line" && a["class"] == "unrecovered":
			band, _ = strconv.ParseFloat(a["y1"], 64)
		}
	}
	if cy["z-gone"] != band {
		t.Errorf("the unrecovered offer is at y=%v, not on the band at %v", cy["z-gone"], band)
	}
	// the band is at 24, the axis's top at 60: a recovered offer, however
	// long its downtime, is at least 30 units under the band.
	if cy["a-single"] < band+30 || cy["b-offsite"] <= cy["a-single"] {
		t.Errorf("recovered offers at y=%v (2d2h35m) and %v (3h40m), band at %v", cy["a-single"], cy["b-offsite"], band)
	}
	if !strings.Contains(svg, "a-single: FAIL, downtime 2d2h35m") {
		t.Errorf("the point's title does not give the table's downtime:\n%s", svg)
	}
}

// svgTexts lists an SVG's text elements with their estimated boxes.
type svgBox struct {
	x0, y0, x1, y1 float64
	text           string
}

func svgTextBoxes(t *testing.T, svg string, charW float64) (texts, rects []svgBox, width float64) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(svg))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		a := map[string]string{}
		for _, at := range tok.Attr {
			a[at.Key] = at.Val
		}
		num := func(k string) float64 { f, _ := strconv.ParseFloat(a[k], 64); return f }
		switch tok.Data {
		case "svg":
			fmt.Sscanf(a["viewbox"], "0 0 %f", &width)
		case "rect":
			rects = append(rects, svgBox{num("x"), num("y"), num("x") + num("width"), num("y") + num("height"), a["class"]})
		case "text":
			z.Next()
			s := string(z.Text())
			w := charW * float64(len([]rune(html.UnescapeString(s))))
			x := num("x")
			switch a["text-anchor"] {
			case "end":
				x -= w
			case "middle":
				x -= w / 2
			}
			texts = append(texts, svgBox{x, num("y") - 10, x + w, num("y") + 2, s})
		}
	}
	return texts, rects, width
}

// TestLossLabelsFit: a long data-loss label is not clipped by the drawing.
func TestLossLabelsFit(t *testing.T) {
	regions := regionsSingle()
	regions[1].Region = "provence-alpes-cote-d-azur-et-corse-du-sud"
	regions[1].DataLoss = 2*24*time.Hour + 22*time.Hour + 47*time.Minute + 31*time.Second
	regions[1].LostWrites = 123456789
	texts, _, width := svgTextBoxes(t, string(svgLoss(regions)), 7)
	for _, b := range texts {
		if b.x0 < 0 || b.x1 > width {
			t.Errorf("label %q spans %.0f..%.0f, outside 0..%.0f", b.text, b.x0, b.x1, width)
		}
	}
}

// TestHistogramLabelsClear: the p50 and p95 labels never sit on a bar.
func TestHistogramLabelsClear(t *testing.T) {
	// one tall bar at each end, the quantiles on them.
	bins := []engine.Bin{{Value: time.Minute, Count: 100}, {Value: 30 * time.Minute, Count: 5}, {Value: time.Hour, Count: 100}}
	texts, rects, _ := svgTextBoxes(t, string(svgHistogram("downtime", bins, 60, 3600)), 6.5)
	for _, tb := range texts {
		if !strings.HasPrefix(tb.text, "p50") && !strings.HasPrefix(tb.text, "p95") {
			continue
		}
		for _, r := range rects {
			if r.text == "bin" && tb.x0 < r.x1 && r.x0 < tb.x1 && tb.y0 < r.y1 && r.y0 < tb.y1 {
				t.Errorf("label %q (%.0f,%.0f)-(%.0f,%.0f) sits on a bar (%.0f,%.0f)-(%.0f,%.0f)", tb.text, tb.x0, tb.y0, tb.x1, tb.y1, r.x0, r.y0, r.x1, r.y1)
			}
		}
	}
}

// TestSLAFlag: a provider's advertised SLA is set against the availability
// achieved, and flagged where the experiment fell short of it.
func TestSLAFlag(t *testing.T) {
	r := runSingle()
	// ovhcloud advertises 99.95%: alsace achieved 99.826%, below. aws
	// advertises 99.99%: dordogne achieved 99.995%, met.
	s, ok := slaOf(r, &r.Regions[0])
	if !ok || s.Provider != "ovhcloud" || s.Advertised != 99.95 || !s.Below {
		t.Errorf("alsace: %+v %v", s, ok)
	}
	s, ok = slaOf(r, &r.Regions[3])
	if !ok || s.Provider != "aws" || s.Below {
		t.Errorf("dordogne: %+v %v", s, ok)
	}
	page := string(render(t, "html", r, nil))
	if strings.Count(page, "below the advertised SLA") != 3 {
		t.Errorf("html flags %d regions below their SLA, want 3", strings.Count(page, "below the advertised SLA"))
	}
}

// TestOfferTopology: a comparison draws each offer's own topology,
// labelled with its name.
func TestOfferTopology(t *testing.T) {
	c := comparison()
	page := string(render(t, "html", nil, c))
	for _, want := range []string{"<h3>ovh-sbg-single</h3>", "<h3>ovh-sbg-dual-dc</h3>", "async standby in sbg1, automatic failover", "backups every 1d to rbx1"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
