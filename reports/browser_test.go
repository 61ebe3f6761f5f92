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
// raise no script error or refused load, and fetch nothing. The library's
// own files, not frozen copies: what a user opens is what is checked.
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

// layoutScript measures, in the browser, what the eye would catch: a word
// broken across two lines, SVG text outside its drawing, and a histogram
// label over a bar. It logs one line the test reads back.
const layoutScript = `<script>
(function () {
  var out = [];
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
  console.log('FD-LAYOUT ' + JSON.stringify(out));
})();
</script>`

// TestBrowserLayout opens the reports with a measuring script (the
// Content-Security-Policy that forbids scripts is lifted for the test
// only) at a laptop's width and a narrow one: no word may break mid-word,
// no chart label be clipped, no histogram label sit on a bar.
func TestBrowserLayout(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser; skipped with -short")
	}
	fire, err := engine.Run(context.Background(), loadExperiment(t, "testdata/experiments/fire.hcl"), model.New(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	proc := loadExperiment(t, "testdata/experiments/procurement.hcl")
	cmp, err := engine.Compare(context.Background(), proc, model.New(), nil, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	trials, err := engine.Run(context.Background(), proc, model.New(), engine.Options{Trials: 200, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	var cmpPage bytes.Buffer
	if err := (htmlWriter{}).WriteComparison(&cmpPage, cmp); err != nil {
		t.Fatal(err)
	}
	rk, err := engine.RunRisk(context.Background(), loadExperiment(t, "testdata/risk/risk.hcl"), model.New(), nil, engine.RiskOptions{Years: 400, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	var riskPage bytes.Buffer
	if err := WriteRisk(&riskPage, "html", rk); err != nil {
		t.Fatal(err)
	}
	csp := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy"[^>]*>`)
	for _, c := range []struct{ name, page string }{
		{"fire", string(writeHTML(t, fire))},
		{"compare", cmpPage.String()},
		{"trials", string(writeHTML(t, trials))},
		{"risk", riskPage.String()},
	} {
		for _, width := range []int{1280, 820} {
			t.Run(fmt.Sprintf("%s-%d", c.name, width), func(t *testing.T) {
				page := strings.Replace(csp.ReplaceAllString(c.page, ""), "</body>", layoutScript+"</body>", 1)
				check := openInBrowser(t, page, width, 2400)
				var found []string
				seen := false
				for _, l := range check.console {
					i := strings.Index(l, "FD-LAYOUT ")
					if i < 0 {
						continue
					}
					seen = true
					raw := l[i+len("FD-LAYOUT "):]
					if j := strings.LastIndex(raw, `]"`); j >= 0 {
						raw = raw[:j+1]
					}
					raw = strings.ReplaceAll(raw, `\"`, `"`)
					if err := json.Unmarshal([]byte(raw), &found); err != nil {
						t.Fatalf("%v: %s", err, l)
					}
				}
				if !seen {
					t.Fatalf("the measuring script did not report; console:\n%s", strings.Join(check.console, "\n"))
				}
				for _, f := range found {
					t.Error(f)
				}
			})
		}
	}
}
