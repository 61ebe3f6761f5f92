package experiments

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"

	"github.com/firedrill/firedrill/faults"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestBadFiles checks each bad file's diagnostics against a golden file:
// every error must name file:line:column and show the source.
func TestBadFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.hcl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad files: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			e, diags := Load(f, nil)
			if !diags.HasErrors() {
				t.Fatalf("no error for %s", f)
			}
			if e != nil {
				t.Errorf("an experiment came back despite errors")
			}
			for _, d := range diags {
				if d.Subject == nil && !strings.Contains(d.Detail, "--var") {
					t.Errorf("diagnostic without a source range: %s: %s", d.Summary, d.Detail)
				}
			}
			var buf bytes.Buffer
			if err := WriteDiagnostics(&buf, diags, 78, false); err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(f, ".hcl")+".golden", buf.Bytes())
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden:\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

// TestLibrary checks every experiment shipped in this directory decodes
// without errors.
func TestLibrary(t *testing.T) {
	files, _ := filepath.Glob("*.hcl")
	if len(files) < 3 {
		t.Fatalf("want at least 3 experiments in the library, found %v", files)
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			e, diags := Load(f, nil)
			if diags.HasErrors() {
				var buf bytes.Buffer
				WriteDiagnostics(&buf, diags, 78, false)
				t.Fatalf("%s", buf.String())
			}
			if len(e.Regions) == 0 || len(e.Faults) == 0 {
				t.Errorf("%s: %d regions, %d faults", f, len(e.Regions), len(e.Faults))
			}
		})
	}
}

// fireSrc is a small fire experiment: the library's files change with
// the experiments they tell, this test must not.
const fireSrc = `experiment "fire" {
  start    = "2021-03-10T00:00:00+01:00"
  duration = "72h"
}
variable "backup_every" {
  default = "24h"
}
provider "ovh" {}
datacenter "sbg1" {
  provider = provider.ovh
  site     = "strasbourg"
}
datacenter "sbg2" {
  provider = provider.ovh
  site     = "strasbourg"
}
datacenter "sbg3" {
  provider = provider.ovh
  site     = "strasbourg"
}
datacenter "sbg4" {
  provider = provider.ovh
  site     = "strasbourg"
}
datacenter "rbx1" {
  provider = provider.ovh
  site     = "roubaix"
}
hosting "offsite-backups" {
  primary = datacenter.sbg2
  backup {
    every = var.backup_every
    at    = "02:00"
    to    = datacenter.rbx1
  }
}
workload "w" {
  peak_concurrency = 0.1
}
region "r" {
  users    = 100
  hosting  = hosting.offsite-backups
  workload = workload.w
}
fault "datacenter_fire" "sbg2" {
  at          = "47m"
  datacenter  = datacenter.sbg2
  spreads_to  = [datacenter.sbg1]
  site_outage = "72h"
}
`

func TestFireExperiment(t *testing.T) {
	e, diags := Parse([]byte(fireSrc), "fire.hcl", map[string]string{"backup_every": "6h"})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	h := e.Hosting("offsite-backups")
	if h == nil || len(h.Backups) != 1 || h.Backups[0].Every != 6*time.Hour || h.Backups[0].To.Name != "rbx1" {
		t.Fatalf("offsite-backups backup = %+v, want every 6h to rbx1 (from --var)", h)
	}
	if h.Backups[0].Offset != 2*time.Hour {
		t.Errorf("backup offset = %s, want 2h", h.Backups[0].Offset)
	}
	if h.RestoreRate != 200e6 {
		t.Errorf("restore rate = %g", h.RestoreRate)
	}
	f := e.Faults[0]
	effects := f.Effects(faults.Occurrence{At: 47 * time.Minute})
	if len(effects) != 2 || effects[0].Action != faults.Destroy || strings.Join(effects[0].Datacenters, ",") != "sbg2,sbg1" {
		t.Fatalf("fire effects = %+v", effects)
	}
	if effects[1].Action != faults.PowerOff || strings.Join(effects[1].Datacenters, ",") != "sbg3,sbg4" || effects[1].For != 72*time.Hour {
		t.Errorf("site outage = %+v", effects[1])
	}
	if e.Start.Format(time.RFC3339) != "2021-03-10T00:00:00+01:00" {
		t.Errorf("start = %s", e.Start)
	}
}

func TestDecodeValues(t *testing.T) {
	const src = `
experiment "x" {
  duration = "2d"
  seed     = 7
}
variable "n" { default = 3 }
provider "p" {}
datacenter "a" {
  provider = provider.p
  site     = "s1"
}
datacenter "b" {
  provider = provider.p
  site     = "s2"
}
hosting "h" {
  primary      = datacenter.a
  standby      = datacenter.b
  replication  = "sync"
  failover     = "automatic"
  app_replicas = max(var.n, 2) * 2
  max_sessions = 5000
}
workload "w" {
  peak_concurrency     = 0.2
  writes_per_user_hour = 1
  profile              = { "10:00" = 1, "00:00" = 0.1 }
}
region "r" {
  users     = 1000
  data_size = "2GiB"
  hosting   = hosting.h
  workload  = workload.w
  objectives {
    rpo = "0s"
  }
}
fault "network_partition" "cut" {
  at       = ["1h", "2h"]
  from     = [datacenter.a]
  duration = "10m"
}
fault "provider_outage" "all" {
  at       = "3h"
  provider = provider.p
  duration = "1h"
}
`
	e, diags := Parse([]byte(src), "x.hcl", map[string]string{"n": "5"})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	h := e.Hostings[0]
	if h.AppReplicas != 10 {
		t.Errorf("app_replicas = %d, want max(5,2)*2 = 10", h.AppReplicas)
	}
	if h.Replication != ReplicationSync || h.Failover != FailoverAutomatic || h.MaxSessions != 5000 {
		t.Errorf("hosting = %+v", h)
	}
	if h.Promotion != DefaultPromotion || h.Detection != DefaultDetection {
		t.Errorf("defaults not applied: %+v", h)
	}
	r := e.Regions[0]
	if r.DataSize != 2<<30 {
		t.Errorf("data_size = %d", r.DataSize)
	}
	if !r.Objectives.RPOSet || r.Objectives.RPO != 0 || r.Objectives.RTOSet {
		t.Errorf("objectives = %+v", r.Objectives)
	}
	if p := r.Workload.Profile; len(p) != 2 || p[0].At != 0 || p[1].At != 10*time.Hour {
		t.Errorf("profile not sorted: %+v", p)
	}
	lo, hi := e.Faults[0].Window()
	if lo != time.Hour || hi != 2*time.Hour {
		t.Errorf("window = %s..%s", lo, hi)
	}
	if eff := e.Faults[0].Effects(faults.Occurrence{})[0]; strings.Join(eff.Peers, ",") != "b" {
		t.Errorf("partition peers = %v, want every other datacenter", eff.Peers)
	}
	if eff := e.Faults[1].Effects(faults.Occurrence{})[0]; strings.Join(eff.Datacenters, ",") != "a,b" {
		t.Errorf("provider outage = %v", eff.Datacenters)
	}
	if e.TimeScale != float64(48*time.Hour)/float64(10*time.Minute) {
		t.Errorf("default time_scale = %g", e.TimeScale)
	}
}

func TestUnknownVar(t *testing.T) {
	_, diags := Parse([]byte(fireSrc), "fire.hcl", map[string]string{"nope": "1"})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "backup_every") {
		t.Errorf("want an error listing declared variables, got %v", diags)
	}
}

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{in: "90s", want: 90 * time.Second},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "2d", want: 48 * time.Hour},
		{in: "1.5h", want: 90 * time.Minute},
		{in: "500ms", want: 500 * time.Millisecond},
		{in: "0", want: 0},
		{in: "5 minutes", bad: true},
		{in: "-5m", bad: true},
		{in: "5", bad: true},
		{in: "", bad: true},
		{in: "m", bad: true},
	} {
		got, err := faults.ParseDuration(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("ParseDuration(%q) = %s, %v", tc.in, got, err)
		}
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{in: "1.5TB", want: 1.5e12},
		{in: "800GiB", want: 800 << 30},
		{in: "10 MB", want: 10e6},
		{in: "12", bad: true},
		{in: "lots", bad: true},
		{in: "-1GB", bad: true},
	} {
		got, err := parseSize(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v", tc.in, got, err)
		}
	}
}

// FuzzParse checks that no input makes the decoder panic or overflow its
// stack, that every error names file:line:column, and that printing the
// diagnostics echoes no control character. The seed corpus is the library,
// the bad files, and what earlier runs found, under testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("*.hcl")
	bad, _ := filepath.Glob("testdata/bad/*.hcl")
	for _, p := range append(files, bad...) {
		src, err := os.ReadFile(p)
		if err == nil {
			f.Add(src)
		}
	}
	f.Add([]byte(smallExperiment))
	f.Add([]byte(fireSrc))
	f.Fuzz(func(t *testing.T, src []byte) {
		e, diags := Parse(src, "fuzz.hcl", nil)
		if e == nil && !diags.HasErrors() {
			t.Fatal("no experiment and no error")
		}
		if e != nil && diags.HasErrors() {
			t.Fatal("an experiment despite errors")
		}
		for _, d := range diags {
			if d.Severity == hcl.DiagError && (d.Subject == nil || d.Subject.Filename != "fuzz.hcl" || d.Subject.Start.Line < 1) {
				t.Fatalf("error without file:line:column: %s: %s", d.Summary, d.Detail)
			}
		}
		var buf bytes.Buffer
		if err := WriteDiagnosticsWith(&buf, diags, map[string][]byte{"fuzz.hcl": src}, 78, false); err != nil {
			t.Fatal(err)
		}
		for _, r := range buf.String() {
			if r == utf8.RuneError || isControl(r) {
				t.Fatalf("diagnostics echo %U", r)
			}
		}
	})
}

// TestSourceLimits feeds what once crashed or swamped the decoder: each
// must come back as one error at the right line and column, and the
// inputs below the limits must still decode.
func TestSourceLimits(t *testing.T) {
	const n = 100000
	rep := strings.Repeat
	for _, tc := range []struct {
		name    string
		src     string
		summary string // "" when the source must not trip a limit
		line    int
		col     int
	}{
		// "x = " is 4 bytes; the 65th '[' (offset 4+64) is the first over
		// MaxNesting = 64: column 69.
		{"brackets", "x = " + rep("[", n) + rep("]", n) + "\n", "Nesting too deep", 1, 69},
		{"braces", "x = " + rep("{a=", n) + "1" + rep("}", n) + "\n", "Nesting too deep", 1, 4 + 3*64 + 1},
		{"parentheses", "x = " + rep("(", n) + "1" + rep(")", n) + "\n", "Nesting too deep", 1, 69},
		// abs( is 4 bytes, its '(' the 4th: the 65th '(' at 4+4*64+3.
		{"calls", "x = " + rep("abs(", n) + "1" + rep(")", n) + "\n", "Nesting too deep", 1, 4 + 4*64 + 3 + 1},
		// each level opens a quote and an interpolation: the quote of
		// level 33 is the 65th frame, at offset 4+3*32.
		{"templates", "x = " + rep(`"${`, n) + "1" + rep(`}"`, n) + "\n", "Nesting too deep", 1, 4 + 3*32 + 1},
		// the 257th '!' is over MaxOperators = 256: offset 4+256.
		{"unary chain", "x = " + rep("!", n) + "true\n", "Expression too long", 1, 4 + 256 + 1},
		// "x = 1" then " + 1" repeated: the 257th '+' at 5+256*4+1.
		{"binary chain", "x = 1" + rep(" + 1", n) + "\n", "Expression too long", 1, 5 + 256*4 + 2},
		// the third nested for, at offset 4+"[for a in b: "(13)*2+1.
		{"for in for in for", "x = [for a in b: [for c in d: [for e in f: 1]]]\n", "Nesting too deep", 1, 4 + 13*2 + 1 + 1},
		{"blocks", rep("a {\n", 100) + rep("}\n", 100), "Nesting too deep", 65, 3},
		{"too large", "# " + rep("x", MaxFileSize) + "\n", "File too large", 1, 1},
		// the NUL is the 3rd byte of line 2.
		{"binary", "a = 1\nb \x00\x01\x02\xff", "Not a text file", 2, 3},
		{"not UTF-8", "a = \"caf\xe9\"\n", "Not a text file", 1, 9},
		// Within the limits: brackets in comments, strings and heredocs do
		// not count, nor do identifiers with dashes, nor a long list whose
		// items each hold a few operators.
		{"brackets in comments and strings", "# " + rep("[", 500) + "\n// " + rep("(", 500) + "\n/* " + rep("{", 500) + " */\nx = \"" + rep("[", 500) + "\"\n", "", 0, 0},
		{"escaped interpolations", "x = \"" + rep("$${", 500) + "\"\n", "", 0, 0},
		{"heredoc", "x = <<EOT\n" + rep("{[(", 500) + "\nEOT\ny = 1\n", "", 0, 0},
		{"dashed names", "x = [" + rep("hosting.offer-a-single-dc-b-c-d, ", 300) + "]\n", "", 0, 0},
		{"long list", "x = [\n" + rep("  1 + 2 * 3 - 4,\n", 1000) + "]\n", "", 0, 0},
		{"64 levels", "x = " + rep("[", 64) + rep("]", 64) + "\n", "", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := checkSource([]byte(tc.src), "f.hcl")
			if tc.summary == "" {
				if d != nil {
					t.Fatalf("refused: %s: %s at %s", d.Summary, d.Detail, d.Subject)
				}
				return
			}
			if d == nil {
				t.Fatal("accepted")
			}
			if d.Summary != tc.summary || d.Subject == nil || d.Subject.Filename != "f.hcl" || d.Subject.Start.Line != tc.line || d.Subject.Start.Column != tc.col {
				t.Errorf("got %q at %v, want %q at f.hcl:%d,%d", d.Summary, d.Subject, tc.summary, tc.line, tc.col)
			}
			// and Parse says the same, without crashing.
			_, diags := Parse([]byte(tc.src), "f.hcl", nil)
			if len(diags) != 1 || diags[0].Summary != tc.summary {
				t.Errorf("Parse: %v", diags)
			}
		})
	}
}

// TestLibraryWithinLimits: the shipped experiments pass the source checks.
func TestLibraryWithinLimits(t *testing.T) {
	files, _ := filepath.Glob("*.hcl")
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if d := checkSource(src, f); d != nil {
			t.Errorf("%s: %s at %s: %s", f, d.Summary, d.Subject, d.Detail)
		}
	}
}

// TestLoadTooLarge: Load refuses a file over the limit without reading it,
// naming the file.
func TestLoadTooLarge(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.hcl")
	if err := os.WriteFile(p, bytes.Repeat([]byte("# padding\n"), MaxFileSize/10+1), 0o644); err != nil {
		t.Fatal(err)
	}
	_, diags := Load(p, nil)
	if len(diags) != 1 || diags[0].Summary != "File too large" || diags[0].Subject == nil || diags[0].Subject.Filename != p {
		t.Fatalf("diags = %v", diags)
	}
	// "# padding\n" is 10 bytes: (1048576/10 + 1) × 10 = 104858 × 10 =
	// 1048580 bytes, 4 over the limit.
	if !strings.Contains(diags[0].Detail, "This file is 1048580 bytes;") {
		t.Errorf("detail does not give the size: %s", diags[0].Detail)
	}
}

const smallExperiment = `experiment "x" {
  duration = "1d"
}
variable "every" {
  default = "24h"
}
variable "replicas" {
  default = 2
}
provider "p" {}
datacenter "a" {
  provider = provider.p
  site     = "s1"
}
datacenter "b" {
  provider = provider.p
  site     = "s2"
}
hosting "h1" {
  primary      = datacenter.a
  app_replicas = var.replicas
  backup {
    every = var.every
    to    = datacenter.b
  }
}
hosting "h2" {
  primary      = datacenter.a
  app_replicas = var.replicas
  backup {
    every = var.every
    to    = datacenter.b
  }
}
workload "w" {
  peak_concurrency = 0.1
}
region "r" {
  users    = 100
  hosting  = hosting.h1
  workload = workload.w
}
`

// TestWrongTypeVarOnce: a --var of the wrong type is one error, at the
// variable, however many attributes use it.
func TestWrongTypeVarOnce(t *testing.T) {
	for _, tc := range []struct {
		vars   map[string]string
		detail string
		line   int
	}{
		// var.every is used twice (lines 23 and 31), declared on line 4.
		{map[string]string{"every": "5"}, `--var every="5": this variable is a duration, like its default "24h".`, 4},
		// var.replicas is used twice, declared on line 7.
		{map[string]string{"replicas": "two"}, `--var replicas="two": this variable is a number.`, 7},
	} {
		_, diags := Parse([]byte(smallExperiment), "x.hcl", tc.vars)
		if len(diags) != 1 {
			t.Fatalf("%v: %d diagnostics, want 1: %v", tc.vars, len(diags), diags)
		}
		if d := diags[0]; d.Detail != tc.detail || d.Subject.Start.Line != tc.line {
			t.Errorf("%v: %q at line %d, want %q at line %d", tc.vars, d.Detail, d.Subject.Start.Line, tc.detail, tc.line)
		}
	}
	// the right type still overrides.
	e, diags := Parse([]byte(smallExperiment), "x.hcl", map[string]string{"every": "6h", "replicas": "3"})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if h := e.Hostings[1]; h.Backups[0].Every != 6*time.Hour || h.AppReplicas != 3 {
		t.Errorf("overrides not applied: every %s, replicas %d", h.Backups[0].Every, h.AppReplicas)
	}
}

// TestBoundedDiagnostics: 30 errors print as 20 and one line for the rest.
func TestBoundedDiagnostics(t *testing.T) {
	var src strings.Builder
	src.WriteString(strings.TrimSuffix(smallExperiment, "region \"r\" {\n  users    = 100\n  hosting  = hosting.h1\n  workload = workload.w\n}\n"))
	for i := range 30 {
		fmt.Fprintf(&src, "region \"r%d\" {\n  users    = -1\n  hosting  = hosting.h1\n  workload = workload.w\n}\n", i)
	}
	_, diags := Parse([]byte(src.String()), "x.hcl", nil)
	if n := len(diags); n != 30 {
		t.Fatalf("%d diagnostics, want 30 (users = -1 in each region): %v", n, diags)
	}
	var buf bytes.Buffer
	if err := WriteDiagnosticsWith(&buf, diags, map[string][]byte{"x.hcl": []byte(src.String())}, 78, false); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if got := strings.Count(out, ": error: "); got != MaxShownErrors {
		t.Errorf("%d errors printed, want %d", got, MaxShownErrors)
	}
	// 30 - 20 = 10.
	if !strings.Contains(out, "... and 10 more errors, not shown") {
		t.Errorf("no summary of the rest:\n%s", out)
	}
}

// TestNoBinaryEcho: control characters in a file never reach the output,
// and a binary file is one error.
func TestNoBinaryEcho(t *testing.T) {
	for _, src := range []string{
		"experiment \"x\" {\n  duration = \"1d\"\n  seed = \"\x1b]0;pwned\x07\x1b[31m\"\n}\n",
		"experiment \"x\" {\n  duration = \"1d\"\n  description = 7 # \x1b[2J\x9b\n  seed = true\n}\n",
		"\x7fELF\x02\x01\x01\x00\x00\x00" + strings.Repeat("\x00\x13\x37\xfe", 1000),
	} {
		_, diags := Parse([]byte(src), "x.hcl", nil)
		if !diags.HasErrors() {
			t.Fatalf("no error for %q", src)
		}
		var buf bytes.Buffer
		if err := WriteDiagnosticsWith(&buf, diags, map[string][]byte{"x.hcl": []byte(src)}, 78, false); err != nil {
			t.Fatal(err)
		}
		for i, r := range buf.String() {
			if r == utf8.RuneError || isControl(r) {
				t.Fatalf("output byte %d is %U:\n%q", i, r, buf.String())
			}
		}
		if strings.HasPrefix(src, "\x7fELF") && (len(diags) != 1 || diags[0].Summary != "Not a text file") {
			t.Errorf("binary file: %v", diags)
		}
	}
}

// TestParseInterrupted: a cancelled context stops decoding.
func TestParseInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e, diags := ParseContext(ctx, []byte(smallExperiment), "x.hcl", nil)
	if e != nil || len(diags) != 1 || diags[0].Summary != "Interrupted" {
		t.Errorf("got %v, %v", e, diags)
	}
}

// TestFunctionBounds: a call that would build more than the bound is an
// error at the call.
func TestFunctionBounds(t *testing.T) {
	for _, tc := range []struct{ expr, err string }{
		// 11 × 1024 = 11264 values > 10000.
		{"length(concat(" + strings.TrimSuffix(strings.Repeat("range(1024), ", 11), ", ") + "))", "over 10000 values"},
		{"length(concat(" + strings.TrimSuffix(strings.Repeat("range(1024), ", 9), ", ") + "))", ""},
		// 2,000,000 bytes > 1 MiB (1,048,576).
		{`length(split(",", format("%02000000d", 1)))`, "over 10000 values or 1 MiB"},
	} {
		src := strings.Replace(smallExperiment, "users    = 100", "users    = "+tc.expr, 1)
		_, diags := Parse([]byte(src), "x.hcl", nil)
		if got := diags.Error(); tc.err == "" && diags.HasErrors() || tc.err != "" && !strings.Contains(got, tc.err) {
			t.Errorf("%s: %v", tc.expr, diags)
		}
	}
}

// BenchmarkParseRegions decodes experiments of growing size: time and
// memory per region must stay flat (linear decoding).
func BenchmarkParseRegions(b *testing.B) {
	for _, n := range []int{500, 2000, 8000} {
		var src strings.Builder
		src.WriteString(smallExperiment)
		for i := range n {
			fmt.Fprintf(&src, "region \"r%d\" {\n  users    = 1000\n  hosting  = hosting.h1\n  workload = workload.w\n  objectives {\n    rto = \"1h\"\n  }\n}\n", i)
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(src.Len()))
			b.ReportAllocs()
			for b.Loop() {
				if _, diags := Parse([]byte(src.String()), "x.hcl", nil); diags.HasErrors() {
					b.Fatal(diags)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n+1), "ns/region")
		})
	}
}
