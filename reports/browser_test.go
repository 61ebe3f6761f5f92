package reports

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firedrill/firedrill/drivers/model"
	"github.com/firedrill/firedrill/engine"
)

var screenshot = flag.String("screenshot", "", "also save the fire report's screenshot to this PNG (e.g. ../docs/report.png)")

// browserCheck is what a headless Chromium saw of a page.
type browserCheck struct {
	console []string // console messages: script errors, refused loads
	fetched []string // requests the page sent to the network
	png     []byte
}

// chromeOwn are the requests Chromium itself sends at start even with
// background networking disabled; they are not the page's doing.
var chromeOwn = []string{"clients2.google.com", "update.googleapis.com", "accounts.google.com", ".gvt1.com", "optimizationguide-pa.googleapis.com"}

// openInBrowser loads a page in headless Chromium with every network
// request sent to a local proxy that records it and answers nothing, and
// takes a screenshot.
func openInBrowser(t *testing.T, page string, width, height int) browserCheck {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if chromium, err = exec.LookPath("chromium-browser"); err != nil {
			t.Skip("chromium not installed (apt-get install chromium)")
		}
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "page.html")
	if err := os.WriteFile(file, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	proxy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	var mu sync.Mutex
	var check browserCheck
	go func() {
		for {
			c, err := proxy.Accept()
			if err != nil {
				return
			}
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			// Chromium may open a spare connection to the proxy and
			// close it unused when it exits: no request line, no fetch.
			if strings.TrimSpace(line) == "" {
				continue
			}
			own := false
			for _, h := range chromeOwn {
				own = own || strings.Contains(line, h)
			}
			if !own {
				mu.Lock()
				check.fetched = append(check.fetched, strings.TrimSpace(line))
				mu.Unlock()
			}
		}
	}()
	shot := filepath.Join(dir, "shot.png")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--enable-logging=stderr", "--log-level=0",
		"--proxy-server=http://"+proxy.Addr().String(), "--proxy-bypass-list=<-loopback>",
		"--hide-scrollbars", "--force-device-scale-factor=1", "--virtual-time-budget=3000",
		"--window-size="+strconv.Itoa(width)+","+strconv.Itoa(height), "--screenshot="+shot, "file://"+file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, tailLines(stderr.String(), 20))
	}
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(l, ":CONSOLE") {
			check.console = append(check.console, l)
		}
	}
	if check.png, err = os.ReadFile(shot); err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, tailLines(stderr.String(), 20))
	}
	mu.Lock()
	defer mu.Unlock()
	return check
}

func tailLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

// blank says whether a screenshot shows next to nothing: almost every
// pixel white, or one colour.
func blank(t *testing.T, data []byte) (bool, float64) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	b := img.Bounds()
	inked, total := 0, 0
	colours := map[uint32]bool{}
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			total++
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				inked++
			}
			if len(colours) < 64 {
				colours[(r>>12)<<8|(g>>12)<<4|bl>>12] = true
			}
		}
	}
	share := float64(inked) / float64(total)
	return share < 0.02 || len(colours) < 4, share
}

// TestBrowser opens the report of every experiment of the library, and the
// procurement comparison, in a real browser: each must render (not blank),
// raise no script error or refused load, fetch nothing, and pass the
// layout check at each of layoutWidths. The library's own files, not
// frozen copies: what a user opens is what is checked.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser; skipped with -short")
	}
	type page struct {
		name string
		page string
		shot string // where -screenshot saves this one, "" for nowhere
	}
	var pages []page
	files, err := filepath.Glob("../experiments/*.hcl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no experiments: %v", err)
	}
	for _, f := range files {
		res, err := engine.Run(context.Background(), loadExperiment(t, f), model.New(), engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		p := page{name: strings.TrimSuffix(filepath.Base(f), ".hcl"), page: string(writeHTML(t, res))}
		if p.name == "ovh-sbg-fire-2021" {
			p.shot = *screenshot
		}
		pages = append(pages, p)
	}
	cmp, err := engine.Compare(context.Background(), loadExperiment(t, "../experiments/procurement.hcl"), model.New(), nil, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var cmpPage bytes.Buffer
	if err := (htmlWriter{}).WriteComparison(&cmpPage, cmp); err != nil {
		t.Fatal(err)
	}
	pages = append(pages, page{name: "compare", page: cmpPage.String()})
	rk, err := engine.RunRisk(context.Background(), loadExperiment(t, "../experiments/procurement.hcl"), model.New(), nil, engine.RiskOptions{Years: 2000, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	var riskPage bytes.Buffer
	if err := WriteRisk(&riskPage, "html", rk); err != nil {
		t.Fatal(err)
	}
	pages = append(pages, page{name: "risk", page: riskPage.String()})
	for _, c := range pages {
		t.Run(c.name, func(t *testing.T) {
			check := openInBrowser(t, c.page, 1280, 2400)
			if isBlank, share := blank(t, check.png); isBlank {
				t.Errorf("the report renders blank (%.1f%% of pixels inked)", 100*share)
			}
			if len(check.console) > 0 {
				t.Errorf("console messages (script errors or refused loads):\n%s", strings.Join(check.console, "\n"))
			}
			if len(check.fetched) > 0 {
				t.Errorf("the report reached for the network:\n%s", strings.Join(check.fetched, "\n"))
			}
			if c.shot != "" {
				if err := os.WriteFile(c.shot, check.png, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("wrote %s (%d KB)", c.shot, len(check.png)>>10)
			}
			for _, width := range layoutWidths {
				for _, f := range layoutProblems(t, c.page, width) {
					t.Errorf("at %d px: %s", width, f)
				}
			}
		})
	}
}

// TestBrowserCatches is the negative control: a page with a script error
// and an image from the network must be caught, or TestBrowser proves
// nothing.
func TestBrowserCatches(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser; skipped with -short")
	}
	check := openInBrowser(t, `<!doctype html><html><body><p>x</p><script>throw new Error("deliberate")</script><img src="http://example.invalid/x.png"></body></html>`, 400, 300)
	if !strings.Contains(strings.Join(check.console, "\n"), "deliberate") {
		t.Errorf("the script error was not caught; console: %q", check.console)
	}
	if !strings.Contains(strings.Join(check.fetched, "\n"), "example.invalid") {
		t.Errorf("the network fetch was not caught; fetched: %q", check.fetched)
	}
	if isBlank, _ := blank(t, []byte(mustBlankPNG(t))); !isBlank {
		t.Error("a white page is not seen as blank")
	}
}

// mustBlankPNG is a white screenshot, to check the blank detector.
func mustBlankPNG(t *testing.T) string {
	t.Helper()
	check := openInBrowser(t, `<!doctype html><html><body></body></html>`, 300, 200)
	return string(check.png)
}

// layoutScript measures, in the browser, what the eye would catch, with
// every <details> opened: a word broken across two lines; a page wider than
// the window, or a box whose content is wider than the box (hidden behind
// a scrollbar or cut); in a chart, text outside its drawing, two texts
// over each other, text over an axis (a line of class "frame") or over a
// point, a histogram label over a bar. It logs one line the test reads
// back.
const layoutScript = `<script>
(function () {
  var out = [];
  function name(el) {
    var s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (typeof el.className === 'string' && el.className) s += '.' + el.className.trim().split(/\s+/).join('.');
    var sec = el.closest('section[id]');
    if (sec && sec !== el) s += ' in section#' + sec.id;
    return s;
  }
  function meets(a, b) {
    var e = 1; // a pixel of slack: touching is not overlapping
    return a.left + e < b.right && b.left + e < a.right && a.top + e < b.bottom && b.top + e < a.bottom;
  }
  document.querySelectorAll('details').forEach(function (d) { d.open = true; });
  var vw = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > vw + 1) {
    out.push('page wider than the window: ' + document.documentElement.scrollWidth + 'px in ' + vw + 'px');
    // name the innermost elements that stick out, to say what to fix.
    document.querySelectorAll('body *').forEach(function (el) {
      if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') return;
      if (el.getBoundingClientRect().right <= vw + 1) return;
      var inner = Array.prototype.some.call(el.children, function (c) { return c.getBoundingClientRect().right > vw + 1; });
      if (!inner) out.push('sticks out of the window: ' + name(el) + ' to ' + Math.round(el.getBoundingClientRect().right) + 'px');
    });
  }
  document.querySelectorAll('body *').forEach(function (el) {
    if (el.closest('svg')) return;
    var cs = getComputedStyle(el);
    if (cs.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1) out.push('wider than its box (overflow ' + cs.overflowX + '): ' + name(el) + ' needs ' + el.scrollWidth + 'px, shows ' + el.clientWidth + 'px');
  });
  var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  var n;
  while ((n = walker.nextNode())) {
    var p = n.parentElement;
    if (!p || p.closest('svg') || p.closest('script')) continue;
    var re = /\S+/g, m;
    while ((m = re.exec(n.textContent))) {
      var r = document.createRange();
      r.setStart(n, m.index);
      r.setEnd(n, m.index + m[0].length);
      var tops = {};
      Array.prototype.forEach.call(r.getClientRects(), function (x) { if (x.width > 0) tops[Math.round(x.top)] = true; });
      if (Object.keys(tops).length > 1) out.push('wrapped: ' + m[0] + ' (in ' + p.tagName.toLowerCase() + (p.className ? '.' + p.className : '') + ')');
    }
  }
  document.querySelectorAll('svg').forEach(function (svg) {
    var vb = svg.viewBox.baseVal;
    svg.querySelectorAll('text:not([transform])').forEach(function (t) {
      var b = t.getBBox();
      if (b.x < vb.x - 1 || b.x + b.width > vb.x + vb.width + 1) out.push('clipped: ' + t.textContent);
    });
    var texts = Array.prototype.map.call(svg.querySelectorAll('text'), function (t) { return {t: t, r: t.getBoundingClientRect()}; })
      .filter(function (x) { return x.r.width > 0; });
    for (var i = 0; i < texts.length; i++) {
      for (var j = i + 1; j < texts.length; j++) {
        if (meets(texts[i].r, texts[j].r)) out.push('overlap in svg.' + svg.getAttribute('class') + ': "' + texts[i].t.textContent + '" and "' + texts[j].t.textContent + '"');
      }
    }
    svg.querySelectorAll('line.frame').forEach(function (l) {
      var lr = l.getBoundingClientRect();
      texts.forEach(function (x) { if (meets(x.r, lr)) out.push('on an axis in svg.' + svg.getAttribute('class') + ': ' + x.t.textContent); });
    });
    svg.querySelectorAll('circle').forEach(function (c) {
      var cr = c.getBoundingClientRect();
      texts.forEach(function (x) { if (x.t.parentNode !== c.parentNode && meets(x.r, cr)) out.push('on a point in svg.' + svg.getAttribute('class') + ': ' + x.t.textContent); });
    });
  });
  document.querySelectorAll('svg.histogram').forEach(function (svg) {
    var bars = Array.prototype.map.call(svg.querySelectorAll('rect.bin'), function (r) { return r.getBBox(); });
    svg.querySelectorAll('text').forEach(function (t) {
      var b = t.getBBox();
      bars.forEach(function (r) {
        if (r.height > 0 && b.x < r.x + r.width && r.x < b.x + b.width && b.y < r.y + r.height && r.y < b.y + b.height) out.push('on a bar: ' + t.textContent);
      });
    });
  });
  console.log('FD-LAYOUT ' + encodeURIComponent(JSON.stringify(out)));
})();
</script>`

// layoutWidths are the widths every page is checked at: a laptop's, and a
// narrow window's (a tablet, or a browser beside an editor).
var layoutWidths = []int{1280, 820}

// layoutProblems opens an HTML page in Chromium at a width, with the
// measuring script (the Content-Security-Policy that forbids scripts is
// lifted for the test only), and returns what it found, one line a
// problem. A test of a new page calls it for each of layoutWidths and
// fails on any line.
func layoutProblems(t *testing.T, page string, width int) []string {
	t.Helper()
	csp := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy"[^>]*>`)
	page = csp.ReplaceAllString(page, "")
	if strings.Contains(page, "</body>") {
		page = strings.Replace(page, "</body>", layoutScript+"</body>", 1)
	} else {
		page += layoutScript
	}
	check := openInBrowser(t, page, width, 2400)
	for _, l := range check.console {
		i := strings.Index(l, "FD-LAYOUT ")
		if i < 0 {
			continue
		}
		// The report travels percent-encoded: the console quotes messages
		// and would escape the JSON's own quotes.
		raw, _, _ := strings.Cut(l[i+len("FD-LAYOUT "):], `"`)
		text, err := url.PathUnescape(raw)
		if err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		var found []string
		if err := json.Unmarshal([]byte(text), &found); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		return found
	}
	t.Fatalf("the measuring script did not report; console:\n%s", strings.Join(check.console, "\n"))
	return nil
}

// layoutPages are the reports the layout check opens: the frozen fire and
// procurement experiments, the issue 22 users' own (a hospital group hit by
// a partition, a surge, a fire and a power cut; five offers for two
// regions that no offer satisfies, also over 100 trials), and the
// procurement's trials.
func layoutPages(t *testing.T) []struct{ name, page string } {
	t.Helper()
	run := func(path string, opts engine.Options) string {
		res, err := engine.Run(context.Background(), loadExperiment(t, path), model.New(), opts)
		if err != nil {
			t.Fatal(err)
		}
		return string(writeHTML(t, res))
	}
	compare := func(path string, opts engine.Options) string {
		cmp, err := engine.Compare(context.Background(), loadExperiment(t, path), model.New(), nil, opts)
		if err != nil {
			t.Fatal(err)
		}
		var page bytes.Buffer
		if err := (htmlWriter{}).WriteComparison(&page, cmp); err != nil {
			t.Fatal(err)
		}
		return page.String()
	}
	risk := func(path string) string {
		rk, err := engine.RunRisk(context.Background(), loadExperiment(t, path), model.New(), nil, engine.RiskOptions{Years: 400, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		var page bytes.Buffer
		if err := WriteRisk(&page, "html", rk); err != nil {
			t.Fatal(err)
		}
		return page.String()
	}
	return []struct{ name, page string }{
		{"fire", run("testdata/experiments/fire.hcl", engine.Options{})},
		{"hospital", run("testdata/experiments/hospital.hcl", engine.Options{})},
		{"compare", compare("testdata/experiments/procurement.hcl", engine.Options{})},
		{"compare-two-regions", compare("testdata/experiments/procurement-two-regions.hcl", engine.Options{})},
		{"compare-trials", compare("testdata/experiments/procurement-two-regions.hcl", engine.Options{Trials: 100, Workers: 2})},
		{"trials", run("testdata/experiments/procurement.hcl", engine.Options{Trials: 200, Workers: 2})},
		{"risk", risk("testdata/risk/risk.hcl")},
	}
}

// TestBrowserLayout opens the reports at a laptop's width and a narrow one:
// nothing wider than the page or hidden behind a scrollbar, no word broken
// mid-word, no chart label clipped, over another, over an axis, a point or
// a bar.
func TestBrowserLayout(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser; skipped with -short")
	}
	for _, c := range layoutPages(t) {
		for _, width := range layoutWidths {
			t.Run(fmt.Sprintf("%s-%d", c.name, width), func(t *testing.T) {
				for _, f := range layoutProblems(t, c.page, width) {
					t.Error(f)
				}
			})
		}
	}
}

// TestBrowserLayoutCatches is the layout check's negative control: a page
// with each fault the check looks for must be caught, or TestBrowserLayout
// proves nothing.
func TestBrowserLayoutCatches(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser; skipped with -short")
	}
	page := `<!doctype html><html><body style="margin:0;font:15px sans-serif">
<div style="width:500px"><p style="width:1400px">a paragraph wider than the window</p></div>
<div class="scroll" style="overflow-x:auto;width:300px"><table><tr><td style="white-space:nowrap">a table cell far too wide to show in three hundred pixels</td></tr></table></div>
<p style="width:60px;word-break:break-all">unbreakableword</p>
<svg class="chart" viewBox="0 0 400 200" style="width:400px">
<line class="frame" x1="0" x2="400" y1="100" y2="100" stroke="black"/>
<text x="10" y="20">first label</text><text x="30" y="24">second label</text>
<text x="200" y="104">on the axis</text>
<g><circle cx="300" cy="160" r="6"/></g><text x="290" y="164">over a point</text>
</svg></body></html>`
	got := strings.Join(layoutProblems(t, page, 800), "\n")
	for _, want := range []string{
		"page wider than the window",
		"wider than its box (overflow auto): div.scroll",
		"wrapped: unbreakableword",
		`overlap in svg.chart: "first label" and "second label"`,
		"on an axis in svg.chart: on the axis",
		"on a point in svg.chart: over a point",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("not caught: %s; the check found:\n%s", want, got)
		}
	}
}
