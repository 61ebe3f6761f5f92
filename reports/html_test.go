package reports

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/firedrill/firedrill/drivers/model"
	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
)

// htmlStructure lists what a reader sees in a page, one line per item:
// sections, charts, markers and their labels, topology boxes, matrix rows.
// Golden files hold it rather than the bytes, so that a change of style
// does not rewrite them but a lost chart or label fails the test.
func htmlStructure(t *testing.T, page []byte) string {
	t.Helper()
	z := html.NewTokenizer(bytes.NewReader(page))
	var out []string
	var inText string // the element whose text is recorded
	attrs := func(tok html.Token) map[string]string {
		m := map[string]string{}
		for _, a := range tok.Attr {
			m[a.Key] = a.Val
		}
		return m
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return strings.Join(out, "\n") + "\n"
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			a := attrs(tok)
			switch {
			case tok.Data == "script" || tok.Data == "link" || tok.Data == "img" || tok.Data == "iframe":
				out = append(out, "FORBIDDEN "+tok.Data)
			case tok.Data == "section":
				out = append(out, "section "+a["id"])
			case tok.Data == "svg":
				out = append(out, "  svg "+a["class"])
			case tok.Data == "g" && a["class"] == "marker":
				out = append(out, fmt.Sprintf("    marker %s %s", a["data-kind"], a["data-basis"]))
				inText = "label"
			case tok.Data == "line" && a["class"] == "tick":
				out = append(out, "    tick "+a["data-kind"])
			case tok.Data == "rect" && strings.HasPrefix(a["class"], "outage"):
				out = append(out, "    "+a["class"])
			case tok.Data == "rect" && strings.HasPrefix(a["class"], "incident"):
				out = append(out, "    "+a["class"])
			case tok.Data == "td" && a["data-verdict"] != "":
				out = append(out, "      cell "+a["data-verdict"])
			case tok.Data == "article":
				out = append(out, "article "+a["id"])
			case tok.Data == "g" && a["class"] == "lossrow":
				out = append(out, "    lossrow "+a["data-region"])
			case tok.Data == "rect" && strings.HasPrefix(a["class"], "bar"):
				out = append(out, "      "+a["class"])
			case tok.Data == "line" && a["class"] == "latency-objective":
				out = append(out, "    latency-objective")
			case tok.Data == "polyline" && a["class"] == "p95":
				out = append(out, "    p95")
			case tok.Data == "line" && a["class"] == "rpo":
				out = append(out, "      rpo")
			case tok.Data == "g" && a["class"] == "point":
				out = append(out, "    point "+a["data-hosting"]+" recovered="+a["data-recovered"])
			case tok.Data == "div" && strings.HasPrefix(a["class"], "dc"):
				out = append(out, "    "+a["class"])
			case tok.Data == "span" && strings.HasPrefix(a["class"], "tag "):
				out = append(out, "      "+a["title"])
			case tok.Data == "tr":
				out = append(out, "    row")
			}
		case html.TextToken:
			if inText == "label" {
				if s := strings.TrimSpace(string(z.Text())); s != "" && !strings.Contains(s, "(+") {
					out = append(out, "      label "+s)
					inText = ""
				}
			}
		case html.EndTagToken:
			if tok := z.Token(); tok.Data == "g" {
				inText = ""
			}
		}
	}
}

func checkGolden(t *testing.T, name string, got string) {
	t.Helper()
	path := filepath.Join("testdata", "html", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -update)", err)
	}
	if string(want) != got {
		t.Errorf("structure of %s differs from %s (run with -update if intended):\n%s", name, path, lineDiff(string(want), got))
	}
}

func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, c string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			c = g[i]
		}
		if a != c {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, a, c)
			if b.Len() > 2000 {
				break
			}
		}
	}
	return b.String()
}

func loadExperiment(t *testing.T, path string) *experiments.Experiment {
	t.Helper()
	exp, diags := experiments.Load(path, nil)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return exp
}

// TestHTMLExperiments writes the report of every experiment under
// testdata/experiments (frozen copies of the library's, so that rewriting a
// story does not rewrite these goldens) on the model driver and checks its
// structure.
func TestHTMLExperiments(t *testing.T) {
	files, err := filepath.Glob("testdata/experiments/*.hcl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no experiments: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".hcl")
		t.Run(name, func(t *testing.T) {
			res, err := engine.Run(context.Background(), loadExperiment(t, f), model.New(), engine.Options{})
			if err != nil {
				t.Fatal(err)
			}
			page := writeHTML(t, res)
			checkGolden(t, name, htmlStructure(t, page))
		})
	}
}

func TestHTMLCompareAndTrials(t *testing.T) {
	exp := loadExperiment(t, "testdata/experiments/procurement.hcl")
	c, err := engine.Compare(context.Background(), exp, model.New(), nil, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := (htmlWriter{}).WriteComparison(&buf, c); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "procurement-compare", htmlStructure(t, buf.Bytes()))

	res, err := engine.Run(context.Background(), exp, model.New(), engine.Options{Trials: 200, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "procurement-trials", htmlStructure(t, writeHTML(t, res)))
}

func writeHTML(t *testing.T, res *engine.Result) []byte {
	t.Helper()
	var a, b bytes.Buffer
	if err := (htmlWriter{}).WriteRun(&a, res); err != nil {
		t.Fatal(err)
	}
	if err := (htmlWriter{}).WriteRun(&b, res); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two renderings of the same result differ")
	}
	return a.Bytes()
}

// TestHTMLEscapes feeds names an attacker could write into an experiment
// file: they must come out as text.
func TestHTMLEscapes(t *testing.T) {
	res := &engine.Result{Experiment: `<script>alert(1)</script>`, Description: `"><img src=x onerror=alert(1)>`, Driver: "model",
		Regions: []engine.RegionResult{{Region: `<b>r</b>`, Hosting: `h"`, Timeline: []engine.Event{{Kind: engine.EventFault, Fault: `</svg><script>x</script>`}}}}}
	page := writeHTML(t, res)
	for _, bad := range []string{"<script>", "<img", "<b>r</b>"} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("page contains %q unescaped", bad)
		}
	}
	if s := htmlStructure(t, page); strings.Contains(s, "FORBIDDEN") {
		t.Errorf("structure:\n%s", s)
	}
}

func TestSVGNiceStep(t *testing.T) {
	for _, c := range []struct {
		hi   float64
		n    int
		want float64
	}{
		{8690, 5, 2000}, {100, 5, 20}, {1, 4, 0.5}, {7900, 5, 2000}, {0, 5, 1}, {12, 0, 1}, {999, 10, 100},
	} {
		if got := svgNiceStep(c.hi, c.n); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("svgNiceStep(%v, %d) = %v, want %v", c.hi, c.n, got, c.want)
		}
	}
}

func TestSVGHistogram(t *testing.T) {
	for _, c := range []struct {
		name    string
		samples []engine.Bin
		want    []string
		notWant []string
	}{
		{"same figure every trial", []engine.Bin{{Value: time.Hour, Count: 3}}, []string{"all 3 trials: 1h"}, []string{"p50", "p95"}},
		{"spread", []engine.Bin{{Value: time.Minute, Count: 1}, {Value: 2 * time.Minute, Count: 1}, {Value: time.Hour, Count: 1}}, []string{"p50 2m", "p95 1h"}, []string{"all 3 trials"}},
		{"no samples", nil, nil, []string{"<rect", "p50"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var p50, p95 float64
			if len(c.samples) > 0 {
				p50, p95 = c.samples[len(c.samples)/2].Value.Seconds(), c.samples[len(c.samples)-1].Value.Seconds()
			}
			svg := string(svgHistogram("downtime", c.samples, p50, p95))
			for _, w := range c.want {
				if !strings.Contains(svg, w) {
					t.Errorf("missing %q in %s", w, svg)
				}
			}
			for _, w := range c.notWant {
				if strings.Contains(svg, w) {
					t.Errorf("unexpected %q in %s", w, svg)
				}
			}
		})
	}
}

// TestSVGScatterLabels checks that offers close in cost and downtime get
// labels that do not overlap one another.
func TestSVGScatterLabels(t *testing.T) {
	var rows []engine.Row
	for i, name := range []string{"offer-b-offsite-backups", "offer-c-async-standby", "offer-e-outscale", "offer-x-same-spot"} {
		rows = append(rows, engine.Row{RegionResult: engine.RegionResult{Hosting: name, MonthlyCost: 3100 + float64(i)*500,
			Recovered: true, Downtime: 2*time.Hour + time.Duration(i)*time.Minute}})
	}
	rows = append(rows, engine.Row{RegionResult: engine.RegionResult{Hosting: "offer-a-single-dc", MonthlyCost: 2600, Recovered: true, Downtime: 50 * time.Hour}})
	svg := string(svgScatter(rows, false))
	type box struct{ x0, y0, x1, y1 float64 }
	var boxes []box
	z := html.NewTokenizer(strings.NewReader(svg))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		tok := z.Token()
		if tt != html.StartTagToken || tok.Data != "text" {
			continue
		}
		var x, y float64
		var label bool
		anchor := "start"
		for _, a := range tok.Attr {
			switch a.Key {
			case "x":
				fmt.Sscan(a.Val, &x)
			case "y":
				fmt.Sscan(a.Val, &y)
			case "class":
				label = a.Val == "label"
			case "text-anchor":
				anchor = a.Val
			}
		}
		if !label {
			continue
		}
		z.Next()
		w := 6 * float64(len(z.Token().Data))
		switch anchor {
		case "end":
			x -= w
		case "middle":
			x -= w / 2
		}
		boxes = append(boxes, box{x, y - 10, x + w, y + 2})
	}
	if len(boxes) != len(rows) {
		t.Fatalf("%d labels for %d offers", len(boxes), len(rows))
	}
	for i := range boxes {
		for j := i + 1; j < len(boxes); j++ {
			a, b := boxes[i], boxes[j]
			if a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1 {
				t.Errorf("labels %d and %d overlap: %v %v", i, j, a, b)
			}
		}
	}
}
