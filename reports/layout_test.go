package reports

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firedrill/firedrill/drivers/model"
	"github.com/firedrill/firedrill/engine"
)

// Tests for issue 22's "Readable" items: the comparison page (10), the run
// page's timeline and topology (11), terminal tables (12) and the Served
// column's format (13).

func compareHTML(t *testing.T, path string) string {
	t.Helper()
	cmp, err := engine.Compare(context.Background(), loadExperiment(t, path), model.New(), nil, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	if err := (htmlWriter{}).WriteComparison(&page, cmp); err != nil {
		t.Fatal(err)
	}
	return page.String()
}

// TestCompareVerdictBox: "No offer meets every objective of every region"
// is not drawn in the green box of a success, and the summary counts what
// the rows are. procurement-two-regions runs 5 offers for 2 regions: 10
// rows, region/offer pairs; alsace's RTO of 1m is met by none (the fastest,
// offer-d, takes 1m30s: 1m detection + 30s promotion), so no offer meets
// every objective of every region; in grand-est only offer-d passes: 1 of
// 10 pairs. procurement.hcl has one region: its rows are offers, 5 of them.
func TestCompareVerdictBox(t *testing.T) {
	two := compareHTML(t, "testdata/experiments/procurement-two-regions.hcl")
	box := regexp.MustCompile(`<p class="cheapest( [a-z]+)?"><strong>([^<]*)</strong>`)
	m := box.FindStringSubmatch(two)
	if m == nil || !strings.HasPrefix(m[2], "No offer meets") || m[1] != " none" {
		t.Errorf("no offer passes, want the box of class \"cheapest none\", got %q", m)
	}
	if !strings.Contains(two, "1 of 10 region/offer pairs met every objective") {
		t.Errorf("two regions: the summary does not count region/offer pairs:\n%s", regexp.MustCompile(`<strong>[^<]*met every[^<]*</strong>`).FindString(two))
	}
	one := compareHTML(t, "testdata/experiments/procurement.hcl")
	if m := box.FindStringSubmatch(one); m == nil || !strings.HasPrefix(m[2], "Cheapest offer") || m[1] != " found" {
		t.Errorf("an offer passes, want the box of class \"cheapest found\", got %q", m)
	}
	if !regexp.MustCompile(`\d of 5 offers met every objective`).MatchString(one) {
		t.Error("one region: the summary does not count the 5 offers")
	}
}

// TestScatterSeparatesPassing: on the cost-against-downtime chart, offers
// that recovered in 1m30s and 2m30s stand apart from each other and from
// 0, while another offer took 2d2h35m. On the linear axis they sat on 0:
// the axis ran to 2d12h over 250 units, so 2m30s was 250 x 150/216000 =
// 0.17 units above 0. On the symlog axis (axis top 7d, log10(1+10080) =
// 4.0035): 1m30s is 250 x log10(2.5)/4.0035 = 24.8 units up, 2m30s 250 x
// log10(3.5)/4.0035 = 34.0.
func TestScatterSeparatesPassing(t *testing.T) {
	rows := []engine.Row{
		{RegionResult: engine.RegionResult{Hosting: "d-sync", MonthlyCost: 7900, Recovered: true, Downtime: 90 * time.Second, Pass: true}},
		{RegionResult: engine.RegionResult{Hosting: "e-other", MonthlyCost: 6800, Recovered: true, Downtime: 150 * time.Second, Pass: true}},
		{RegionResult: engine.RegionResult{Hosting: "a-single", MonthlyCost: 2600, Recovered: true, Downtime: 50*time.Hour + 35*time.Minute}},
	}
	svg := string(svgScatter(rows, false))
	cy := map[string]float64{}
	for _, m := range regexp.MustCompile(`data-hosting="([^"]+)"[^>]*>.*?<circle cx="[^"]+" cy="([^"]+)"`).FindAllStringSubmatch(svg, -1) {
		cy[m[1]], _ = strconv.ParseFloat(m[2], 64)
	}
	const bottom = 310.0
	for name, want := range map[string]float64{"d-sync": 24.8, "e-other": 34.0} {
		if got := bottom - cy[name]; got < want-0.2 || got > want+0.2 {
			t.Errorf("%s sits %.1f units above 0, want %.1f", name, got, want)
		}
	}
	if !strings.Contains(svg, "downtime (symlog scale)") {
		t.Error("the axis does not say its scale is symlog")
	}
}

// TestTimelineLabelsApart: no two event labels of a timeline overlap, even
// where a label near the right edge must end at its marker. Over a 24 h
// horizon (904 units), a surge at 17h is labelled from x = 44 + 904 x
// 17/24 = 684.3; a partition at 22h (x = 872.7) has no room to its right
// and ends at its marker: the old placement put it on the surge's row,
// over the surge's label. Boxes are measured at 7 units a character, the
// width of the bold label font in Chromium's fallback font.
func TestTimelineLabelsApart(t *testing.T) {
	rr := &engine.RegionResult{Region: "r", Timeline: []engine.Event{
		{At: 17 * time.Hour, Kind: engine.EventFault, Fault: "connection_surge.morning", Basis: engine.Modeled},
		{At: 22 * time.Hour, Kind: engine.EventFault, Fault: "network_partition.paris-cut", Basis: engine.Modeled},
		{At: 22*time.Hour + time.Minute, Kind: engine.EventUp, Text: "power back in paris1, database restarted", Basis: engine.Modeled},
	}}
	svg := string(svgTimeline(testStart, 24*time.Hour, rr))
	texts, _, _ := svgTextBoxes(t, svg, 7)
	var labels []svgBox
	for _, b := range texts {
		if !strings.HasPrefix(b.text, "+") && !strings.Contains(b.text, ":") && !strings.HasSuffix(b.text, "%") {
			labels = append(labels, b)
		}
	}
	if len(labels) != 3 {
		t.Fatalf("%d event labels, want 3: %v", len(labels), labels)
	}
	for i := range labels {
		for j := i + 1; j < len(labels); j++ {
			a, b := labels[i], labels[j]
			if a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1 {
				t.Errorf("labels %q and %q overlap: %.0f..%.0f and %.0f..%.0f at y %.0f and %.0f", a.text, b.text, a.x0, a.x1, b.x0, b.x1, a.y1, b.y1)
			}
		}
	}
}

// TestUpLabelsSayWhat: a "component up" marker says what came back, not
// "up".
func TestUpLabelsSayWhat(t *testing.T) {
	for text, want := range map[string]string{
		"power back in paris1, database restarted":                                    "power back in paris1",
		"database process restarted":                                                  "database process restarted",
		"operator drops the synchronous standby: commits resume on the primary alone": "operator drops the synchronous standby",
		"app restarted (after 5m, compressed)":                                        "app restarted",
	} {
		if got := svgEventLabel(engine.Event{Kind: engine.EventUp, Text: text}); got != want {
			t.Errorf("%q: label %q, want %q", text, got, want)
		}
	}
}

// TestTopologyAtTheEnd: the hospital group's topology is drawn as it is at
// the end of the 3-day horizon. lyon1 burned at +10h (destroyed); lyon2,
// on the burned site, was powered off for the fire's site_outage of 2h and
// is back at +12h; paris1 lost power at +1d6h for 2h, back at +1d8h. The
// sync standby in paris1 was promoted at +10h1m30s (1m detection + 30s
// promotion): paris1 holds north-hospitals' primary, lyon1 held it.
func TestTopologyAtTheEnd(t *testing.T) {
	res, err := engine.Run(context.Background(), loadExperiment(t, "testdata/experiments/hospital.hcl"), model.New(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dcs := map[string]htmlDC{}
	for _, p := range htmlTopology(res, nil, nil) {
		for _, s := range p.Sites {
			for _, d := range s.DCs {
				dcs[d.Name] = d
			}
		}
	}
	tags := func(d htmlDC) string {
		var s []string
		for _, t := range d.Tags {
			w := t.Role + " " + t.Region
			if t.Former {
				w = "was " + w
			}
			s = append(s, strings.TrimSpace(w+" "+t.Note))
		}
		return strings.Join(s, "; ")
	}
	for _, c := range []struct{ dc, state, history, tags string }{
		{"lyon1", "destroyed", "destroyed +10h", "was primary north-hospitals until +10h1m30s"},
		{"lyon2", "", "powered off +10h, back +12h", "primary south-hospitals"},
		{"paris1", "", "network cut +9h40m, healed +10h10m; powered off +1d6h, back +1d8h", "primary north-hospitals since +10h1m30s"},
	} {
		d := dcs[c.dc]
		if d.State != c.state || strings.Join(d.History, "; ") != c.history || tags(d) != c.tags {
			t.Errorf("%s: state %q, history %q, tags %q; want %q, %q, %q", c.dc, d.State, strings.Join(d.History, "; "), tags(d), c.state, c.history, c.tags)
		}
	}
}

// TestServedOneFormat: the Served column has one format, two decimals,
// and a share under 1 never reads 100.00%.
func TestServedOneFormat(t *testing.T) {
	for f, want := range map[float64]string{0.937: "93.70%", 1: "100.00%", 0.9423: "94.23%", 0.99999: "99.99%", 0.019: "1.90%", 0: "0.00%"} {
		if got := servedText(&engine.RegionResult{ServedRatio: f}); got != want {
			t.Errorf("served %v: %q, want %q", f, got, want)
		}
	}
}
