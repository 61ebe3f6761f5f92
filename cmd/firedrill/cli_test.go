package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/firedrill/firedrill/reports"
)

// TestMain lets a test run the real main, signals included, in a child
// process: FIREDRILL_TEST_MAIN=1 makes this binary firedrill, and
// FIREDRILL_TEST_READY names a file created once the signal handlers are
// in place, so that the test signals neither too early nor by guesswork.
func TestMain(m *testing.M) {
	if os.Getenv("FIREDRILL_TEST_MAIN") == "1" {
		ready := func() {
			if p := os.Getenv("FIREDRILL_TEST_READY"); p != "" {
				os.WriteFile(p, nil, 0o644)
			}
		}
		os.Exit(mainWith(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, ready))
	}
	os.Exit(m.Run())
}

// TestInterrupt: Ctrl-C or SIGTERM during a run exits 130, writes nothing to
// standard output, and leaves neither the report nor its temporary file.
func TestInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			ready := filepath.Join(dir, "ready")
			out := filepath.Join(dir, "report.json")
			// 10^8 trials would take hours: the run is under way when the
			// signal comes.
			cmd := exec.Command(os.Args[0], "run", "testdata/offers.hcl", "--trials", "100000000", "--format", "json", "--out", out)
			cmd.Env = append(os.Environ(), "FIREDRILL_TEST_MAIN=1", "FIREDRILL_TEST_READY="+ready)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(30 * time.Second)
			for {
				if _, err := os.Stat(ready); err == nil {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatal("the child never got ready")
				}
				time.Sleep(10 * time.Millisecond)
			}
			time.Sleep(300 * time.Millisecond) // into the trials
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				cmd.Process.Kill()
				t.Fatal("the run ignored the signal")
			}
			if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
				t.Errorf("exit %d, want 130; stderr:\n%s", code, stderr.String())
			}
			if stdout.Len() > 0 {
				t.Errorf("partial output on stdout: %q", stdout.String())
			}
			if !strings.Contains(stderr.String(), "interrupted: nothing was written") {
				t.Errorf("stderr does not say so:\n%s", stderr.String())
			}
			left, _ := os.ReadDir(dir)
			for _, e := range left {
				if e.Name() != "ready" {
					t.Errorf("left behind: %s", e.Name())
				}
			}
		})
	}
}

// TestInterruptedContext: a cancelled context is exit 130 for every
// command that runs or decodes, never 3, and writes nothing.
func TestInterruptedContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, args := range [][]string{
		{"run", "testdata/offers.hcl"},
		{"compare", "testdata/offers.hcl"},
		{"risk", "testdata/risk.hcl"},
		{"validate", "testdata/offers.hcl"},
	} {
		var out, errb bytes.Buffer
		code := run(ctx, args, strings.NewReader(""), &out, &errb)
		if code != exitInterrupted || out.Len() > 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %s", args, code, out.String(), errb.String())
		}
	}
}

// TestBadOut: an --out that cannot be written is a usage error before
// anything runs (10^8 trials would not finish), naming the user's path and
// not a temporary file.
func TestBadOut(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	os.WriteFile(file, []byte("x"), 0o644)
	cases := []struct{ name, out, want string }{
		{"missing directory", filepath.Join(dir, "nope", "r.json"), "does not exist"},
		{"a directory", dir, "is a directory"},
		{"under a file", filepath.Join(file, "r.json"), "is not a directory"},
	}
	if os.Geteuid() != 0 { // root writes anywhere
		ro := filepath.Join(dir, "ro")
		os.Mkdir(ro, 0o555)
		cases = append(cases, struct{ name, out, want string }{"no write permission", filepath.Join(ro, "r.json"), "permission denied"})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, "run", "testdata/offers.hcl", "--trials", "100000000", "--out", tc.out)
			if code != exitInvalid || !strings.Contains(errs, "--out "+tc.out+": ") || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stderr:\n%s", code, errs)
			}
			if strings.Contains(errs, ".tmp") || out != "" {
				t.Errorf("names a temporary file or wrote something: %q %q", out, errs)
			}
		})
	}
}

// TestReportPermissions: a report gets 0666 less the umask, 0644 under 022,
// as any file the user creates; one that replaces a file keeps its mode.
func TestReportPermissions(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	out := filepath.Join(dir, "r.txt")
	if code, _, errs := runCLI(t, "run", "testdata/offers.hcl", "--out", out); code != exitPass {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v (%v), want 0644", st.Mode().Perm(), err)
	}
	os.Chmod(out, 0o600)
	runCLI(t, "run", "testdata/offers.hcl", "--out", out)
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o600 {
		t.Errorf("replaced report has mode %v, want the old 0600", st.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestSeveralFiles: several experiments make one document that the
// format's parser accepts.
func TestSeveralFiles(t *testing.T) {
	dir := t.TempDir()
	files := []string{"testdata/offers.hcl", "testdata/warn.hcl"}
	read := func(format string) []byte {
		out := filepath.Join(dir, "r."+format)
		code, _, errs := runCLI(t, append([]string{"run", "--format", format, "--out", out}, files...)...)
		if code != exitPass {
			t.Fatalf("%s: exit %d: %s", format, code, errs)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	t.Run("json", func(t *testing.T) {
		var doc struct {
			Schema  string
			Pass    bool
			Reports []struct{ Schema string }
		}
		dec := json.NewDecoder(bytes.NewReader(read("json")))
		if err := dec.Decode(&doc); err != nil {
			t.Fatal(err)
		}
		if dec.More() {
			t.Error("more than one JSON value")
		}
		if doc.Schema != reports.RunsSchema || !doc.Pass || len(doc.Reports) != 2 || doc.Reports[1].Schema != reports.RunSchema {
			t.Errorf("got %+v", doc)
		}
	})
	t.Run("junit", func(t *testing.T) {
		var doc struct {
			XMLName xml.Name `xml:"testsuites"`
			Suites  []struct {
				Name string `xml:"name,attr"`
			} `xml:"testsuite"`
		}
		b := read("junit")
		if err := xml.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(b, []byte("<testsuites")); n != 1 || len(doc.Suites) != 2 || doc.Suites[0].Name != "offers" || doc.Suites[1].Name != "warn" {
			t.Errorf("%d <testsuites>, suites %+v", n, doc.Suites)
		}
	})
	t.Run("html", func(t *testing.T) {
		b := read("html")
		if n := bytes.Count(b, []byte("<html")); n != 1 {
			t.Fatalf("%d <html> elements", n)
		}
		doc, err := html.Parse(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		ids, articles := map[string]int{}, 0
		var walk func(*html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				if n.Data == "article" {
					articles++
				}
				for _, a := range n.Attr {
					if a.Key == "id" {
						ids[a.Val]++
					}
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
		if articles != 2 {
			t.Errorf("%d experiment sections, want 2", articles)
		}
		for id, n := range ids {
			if n > 1 {
				t.Errorf("id %q used %d times", id, n)
			}
		}
	})
}

// TestVersionText: the version comes from the build info, with the VCS
// revision, unless set at link time.
func TestVersionText(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/firedrill/firedrill", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-11-25T14:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	for _, tc := range []struct {
		linked string
		info   *debug.BuildInfo
		want   string
	}{
		{"", info, "firedrill v1.2.3 (revision 0123456789ab, 2026-11-25T14:00:00Z, modified; go1.26.8)"},
		{"v9.9.9", info, "firedrill v9.9.9 (revision 0123456789ab, 2026-11-25T14:00:00Z, modified; go1.26.8)"},
		{"", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, "firedrill (devel) (no VCS revision; go1.26.8)"},
		{"", nil, "firedrill (devel) (no build information)"},
	} {
		if got := versionText(tc.linked, tc.info); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

// TestVersionBuilt builds firedrill from this checkout, as go install
// would, and checks that "version" prints the checkout's revision.
func TestVersionBuilt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	rev, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skip("not a git checkout")
	}
	bin := filepath.Join(t.TempDir(), "firedrill")
	if b, err := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "revision " + string(rev[:12]); !strings.Contains(string(out), want) || strings.Contains(string(out), "dev\n") {
		t.Errorf("version printed %q, want %q in it", out, want)
	}
}

// TestUsage: the usage lists every format and prints flags with two
// dashes; --help is not an error.
func TestUsage(t *testing.T) {
	code, out, _ := runCLI(t, "help")
	if code != exitPass {
		t.Errorf("help: exit %d", code)
	}
	for _, f := range reports.Names() {
		if !strings.Contains(out, f) {
			t.Errorf("usage does not list format %q", f)
		}
	}
	for _, f := range []string{"--driver", "--var", "--trials", "--format", "--scale", "--out", "--hosting"} {
		if !strings.Contains(out, f) {
			t.Errorf("usage does not list %s", f)
		}
	}
	oneDash := regexp.MustCompile(`(^|\s)-[a-z]`)
	for _, args := range [][]string{{"help"}, {"run", "--help"}, {"run", "-h"}, {"compare", "--help"}, {"validate", "--help"}, {"fmt", "--help"}, {"help", "run"}} {
		code, out, errs := runCLI(t, args...)
		if code != exitPass || !strings.Contains(out, "Usage") || errs != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
		if m := oneDash.FindString(out); m != "" {
			t.Errorf("%v prints a one-dash flag %q:\n%s", args, m, out)
		}
	}
	if _, _, errs := runCLI(t, "run", "x.hcl", "--bogus"); !strings.Contains(errs, "flag provided but not defined: --bogus") {
		t.Errorf("unknown flag: %s", errs)
	}
}

// TestFmtStdin: "fmt -" reads standard input and writes standard output.
func TestFmtStdin(t *testing.T) {
	messy := "experiment \"x\" {\nduration=\"1h\"\n   seed = 3\n}\n"
	tidy := "experiment \"x\" {\n  duration = \"1h\"\n  seed     = 3\n}\n"
	for _, tc := range []struct {
		args      []string
		in        string
		code      int
		out, errs string
	}{
		{[]string{"fmt", "-"}, messy, exitPass, tidy, ""},
		{[]string{"fmt", "-"}, tidy, exitPass, tidy, ""},
		{[]string{"fmt", "--check", "-"}, messy, exitFail, stdinName + "\n", ""},
		{[]string{"fmt", "--check", "-"}, tidy, exitPass, "", ""},
		{[]string{"fmt", "-"}, "experiment \"x\" {\n", exitInvalid, "", "<stdin>:1:"},
		{[]string{"fmt", "-"}, "x = " + strings.Repeat("[", 100) + "\n", exitInvalid, "", "Nesting too deep"},
		{[]string{"fmt", "-", "other.hcl"}, tidy, exitInvalid, "", "cannot be combined"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), tc.args, strings.NewReader(tc.in), &out, &errb)
		if code != tc.code || out.String() != tc.out || tc.errs != "" && !strings.Contains(errb.String(), tc.errs) {
			t.Errorf("%v on %q: exit %d, stdout %q, stderr %q", tc.args, tc.in, code, out.String(), errb.String())
		}
	}
}

// TestWarningsPolicy: run sums warnings up in one line, validate prints
// them in full, and a usage error prints none.
func TestWarningsPolicy(t *testing.T) {
	_, _, errs := runCLI(t, "run", "testdata/warn.hcl")
	if strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "1 warning(s); see them with: firedrill validate testdata/warn.hcl") {
		t.Errorf("run:\n%s", errs)
	}
	_, _, errs = runCLI(t, "validate", "testdata/warn.hcl")
	if !strings.Contains(errs, "testdata/warn.hcl:17:13: warning: Backup beside the primary") {
		t.Errorf("validate:\n%s", errs)
	}
	for _, args := range [][]string{
		{"run", "testdata/warn.hcl", "--format", "pdf"},
		{"run", "testdata/warn.hcl", "--driver", "vm"},
		{"compare", "testdata/warn.hcl", "--hosting", "nope"},
	} {
		if _, _, errs := runCLI(t, args...); strings.Contains(errs, "warning") {
			t.Errorf("%v prints warnings with a usage error:\n%s", args, errs)
		}
	}
}

// TestOneErrorPerBadVar: a --var of the wrong type is one error, however
// many attributes use the variable.
func TestOneErrorPerBadVar(t *testing.T) {
	code, _, errs := runCLI(t, "validate", "testdata/fire.hcl", "--var", "backup_every=5")
	if code != exitInvalid || strings.Count(errs, ": error: ") != 1 || !strings.Contains(errs, "this variable is a duration") {
		t.Errorf("exit %d:\n%s", code, errs)
	}
}

// TestHostileFiles: a deeply nested file, a binary one and an oversized
// one are each a short diagnostic and exit 2, never a crash.
func TestHostileFiles(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, src, want string
	}{
		{"deep.hcl", "x = " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "\n", "deep.hcl:1:69: error: Nesting too deep"},
		{"binary.hcl", "\x7fELF" + strings.Repeat("\x00\x01\xfe", 100000), "binary.hcl:1:5: error: Not a text file"},
		{"big.hcl", strings.Repeat("# padding\n", 110000), "big.hcl:1:1: error: File too large"},
	} {
		p := filepath.Join(dir, tc.name)
		os.WriteFile(p, []byte(tc.src), 0o644)
		for _, cmd := range []string{"validate", "run", "fmt"} {
			code, _, errs := runCLI(t, cmd, p)
			if code != exitInvalid || !strings.Contains(errs, filepath.Join(dir, tc.want)) || len(errs) > 2000 {
				t.Errorf("%s %s: exit %d, %d bytes of stderr:\n%.2000s", cmd, tc.name, code, len(errs), errs)
			}
		}
	}
}

// TestParseArgs: flags go before, between or after files; "--" ends them.
func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		files  []string
		trials int
		out    string
	}{
		{[]string{"a.hcl", "--trials", "3", "b.hcl"}, []string{"a.hcl", "b.hcl"}, 3, ""},
		{[]string{"--trials=3", "a.hcl"}, []string{"a.hcl"}, 3, ""},
		{[]string{"a.hcl", "--", "--trials", "-x.hcl"}, []string{"a.hcl", "--trials", "-x.hcl"}, 1, ""},
		{[]string{"--out", "--", "a.hcl", "--trials", "2"}, []string{"a.hcl"}, 2, "--"},
		{[]string{"-"}, []string{"-"}, 1, ""},
	} {
		fs, rf := newRunFlags("run", false)
		files, err := parseArgs(fs, tc.args)
		if err != nil || strings.Join(files, " ") != strings.Join(tc.files, " ") || rf.trials != tc.trials || rf.out != tc.out {
			t.Errorf("%q: files %q trials %d out %q err %v", tc.args, files, rf.trials, rf.out, err)
		}
	}
}

// FuzzArgs checks that no argument list makes parsing panic, that errors
// are usage errors, and that parsed flags and files survive a round trip
// through their canonical form. Its corpus is kept under
// testdata/fuzz/FuzzArgs.
func FuzzArgs(f *testing.F) {
	for _, s := range []string{"a.hcl --trials 3", "--var a=b --var c=d x.hcl", "-- -x", "--out -- a --format json", "--help", "-h", "--trials=-1", "--var", "--var =x", "x --scale 2 -- --y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Split(line, " ")
		fs, rf := newRunFlags("compare", true)
		files, err := parseArgs(fs, args)
		if err != nil {
			var ee *exitError
			if !errors.Is(err, errHelp) && (!errors.As(err, &ee) || ee.code != exitInvalid) {
				t.Fatalf("%q: not a usage error: %v", args, err)
			}
			return
		}
		canon := []string{"--driver=" + rf.driver, "--trials=" + strconv.Itoa(rf.trials), "--format=" + rf.format, "--scale=" + strconv.Itoa(rf.scale), "--out=" + rf.out, "--hosting=" + rf.hosting}
		for k, v := range rf.vars {
			canon = append(canon, "--var="+k+"="+v)
		}
		canon = append(append(canon, "--"), files...)
		fs2, rf2 := newRunFlags("compare", true)
		files2, err := parseArgs(fs2, canon)
		if err != nil {
			t.Fatalf("%q parsed to %q, which does not parse: %v", args, canon, err)
		}
		if strings.Join(files2, "\x00") != strings.Join(files, "\x00") || rf2.trials != rf.trials || rf2.out != rf.out ||
			rf2.driver != rf.driver || rf2.format != rf.format || rf2.hosting != rf.hosting || rf2.vars.String() != rf.vars.String() {
			t.Fatalf("%q: round trip through %q differs", args, canon)
		}
	})
}

// TestTableFitsTerminal: a table report on a terminal fits its width
// ($COLUMNS, else the terminal's, else 80), and one written to a pipe is
// drawn whole. The terminal is script(1)'s pseudo-terminal. offers.hcl's
// table is 150 characters wide whole.
func TestTableFitsTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) not installed (util-linux): no pseudo-terminal to test with")
	}
	widest := func(out []byte) int {
		n := 0
		for _, l := range strings.Split(strings.ReplaceAll(string(out), "\r", ""), "\n") {
			n = max(n, utf8.RuneCountInString(l))
		}
		return n
	}
	run := func(columns string, tty bool) []byte {
		t.Helper()
		cmd := exec.Command(os.Args[0], "run", "testdata/offers.hcl")
		if tty {
			cmd = exec.Command(script, "-q", "-e", "-c", os.Args[0]+" run testdata/offers.hcl 2>/dev/null", "/dev/null")
		}
		cmd.Env = append(os.Environ(), "FIREDRILL_TEST_MAIN=1", "COLUMNS="+columns)
		out, _ := cmd.Output() // exit 1: offers fail their objectives
		if len(out) == 0 {
			t.Fatalf("no output (COLUMNS=%q, terminal %t)", columns, tty)
		}
		return out
	}
	if w := widest(run("80", false)); w != 150 {
		t.Errorf("to a pipe with COLUMNS=80: %d wide, want the whole table's 150", w)
	}
	for columns, want := range map[string]int{"80": 80, "100": 100, "": 80} {
		if w := widest(run(columns, true)); w > want {
			t.Errorf("on a terminal with COLUMNS=%q: %d wide, want at most %d", columns, w, want)
		}
	}
}
