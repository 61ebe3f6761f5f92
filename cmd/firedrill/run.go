package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/reports"
)

// varFlags collects repeated --var k=v.
type varFlags map[string]string

func (v varFlags) String() string { return "" }
func (v varFlags) Set(s string) error {
	k, val, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want NAME=VALUE, got %q", s)
	}
	v[k] = val
	return nil
}

type runFlags struct {
	driver  string
	vars    varFlags
	trials  int
	format  string
	out     string
	hosting string
	scale   int
}

func newRunFlags(name string, stderr io.Writer, compare bool) (*flag.FlagSet, *runFlags) {
	rf := &runFlags{vars: varFlags{}}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&rf.driver, "driver", "model", "driver: "+strings.Join(driverNames(), " or "))
	fs.Var(rf.vars, "var", "set a variable, NAME=VALUE (repeatable)")
	fs.IntVar(&rf.trials, "trials", 1, "run N trials, drawing fault times from their ranges")
	fs.StringVar(&rf.format, "format", "table", "report format: "+strings.Join(reports.Names(), ", "))
	fs.IntVar(&rf.scale, "scale", 0, "containers driver: real users per virtual user (default: the experiment's scale)")
	fs.StringVar(&rf.out, "out", "", "write the report to PATH instead of standard output")
	if compare {
		fs.StringVar(&rf.hosting, "hosting", "", "compare only these hostings, comma-separated")
	}
	return fs, rf
}

// parseInterleaved lets flags follow positional arguments, as in
// "firedrill run FILE --trials 10".
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageErr("%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs, rf := newRunFlags("run", stderr, false)
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return exitInvalid, err
	}
	if len(files) == 0 {
		return exitInvalid, usageErr("run: name at least one experiment file")
	}
	w, exps, err := prepare(rf, files, stderr)
	if err != nil {
		return exitInvalid, err
	}
	drv, opts, err := openDriver(rf, stderr)
	if err != nil {
		return exitInvalid, err
	}
	var results []*engine.Result
	for _, e := range exps {
		opts.Progress = progress(stderr, e.Name)
		res, err := engine.Run(ctx, e, drv, opts)
		if err != nil {
			return exitInfra, infraErr(fmt.Errorf("run %s: %w", e.File, err))
		}
		results = append(results, res)
	}
	err = writeReport(rf.out, stdout, func(out io.Writer) error {
		for i, res := range results {
			if i > 0 && rf.format == "table" {
				fmt.Fprintln(out)
			}
			if err := w.WriteRun(out, res); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return exitInfra, infraErr(err)
	}
	for _, res := range results {
		if !res.Pass() {
			return exitFail, nil
		}
	}
	return exitPass, nil
}

func cmdCompare(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs, rf := newRunFlags("compare", stderr, true)
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return exitInvalid, err
	}
	if len(files) != 1 {
		return exitInvalid, usageErr("compare: name exactly one experiment file")
	}
	w, exps, err := prepare(rf, files, stderr)
	if err != nil {
		return exitInvalid, err
	}
	e := exps[0]
	var hostings []string
	if rf.hosting != "" {
		for _, h := range strings.Split(rf.hosting, ",") {
			h = strings.TrimSpace(h)
			if e.Hosting(h) == nil {
				var have []string
				for _, x := range e.Hostings {
					have = append(have, x.Name)
				}
				return exitInvalid, usageErr("compare: %s has no hosting %q (have %s)", e.File, h, strings.Join(have, ", "))
			}
			hostings = append(hostings, h)
		}
	}
	if len(e.Hostings) == 0 {
		return exitInvalid, usageErr("compare: %s declares no hosting to compare", e.File)
	}
	drv, opts, err := openDriver(rf, stderr)
	if err != nil {
		return exitInvalid, err
	}
	opts.Progress = progress(stderr, e.Name)
	cmp, err := engine.Compare(ctx, e, drv, hostings, opts)
	if err != nil {
		return exitInfra, infraErr(err)
	}
	if err := writeReport(rf.out, stdout, func(out io.Writer) error { return w.WriteComparison(out, cmp) }); err != nil {
		return exitInfra, infraErr(err)
	}
	return exitPass, nil
}

// prepare checks the flags and loads every file before anything runs, so
// that bad input never starts a driver.
func prepare(rf *runFlags, files []string, stderr io.Writer) (reports.Writer, []*experiments.Experiment, error) {
	w, err := reports.ByName(rf.format)
	if err != nil {
		return nil, nil, usageErr("%v", err)
	}
	if rf.trials < 1 {
		return nil, nil, usageErr("--trials must be at least 1, got %d", rf.trials)
	}
	var exps []*experiments.Experiment
	var all hcl.Diagnostics
	for _, f := range files {
		e, diags := experiments.Load(f, rf.vars)
		all = append(all, diags...)
		if e != nil {
			exps = append(exps, e)
		}
	}
	if all.HasErrors() {
		experiments.WriteDiagnostics(stderr, all, 78, isTerminal(stderr))
		return nil, nil, usageErr("%d error(s) in experiment files; nothing was run", countErrors(all))
	}
	if n := len(all); n > 0 {
		fmt.Fprintf(stderr, "firedrill: %d warning(s); see them with: firedrill validate %s\n", n, strings.Join(files, " "))
	}
	return w, exps, nil
}

func countErrors(diags hcl.Diagnostics) int {
	n := 0
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			n++
		}
	}
	return n
}

// openDriver builds the run's driver and the engine options that go with
// it: how many trials at once, and which driver runs the control trial.
func openDriver(rf *runFlags, stderr io.Writer) (engine.Driver, engine.Options, error) {
	mk, ok := drivers[rf.driver]
	if !ok {
		return nil, engine.Options{}, usageErr("unknown driver %q (have %s)", rf.driver, strings.Join(driverNames(), ", "))
	}
	d := mk(rf, stderr)
	opts := engine.Options{Trials: rf.trials, Workers: 1, Baseline: d.baseline}
	if d.parallel {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	return d.Driver, opts, nil
}

// writeReport writes to stdout, or to path through a temporary file renamed
// into place, so that a failed run never leaves a half-written report.
func writeReport(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		return write(stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// progress shows trials done on a terminal, at most ten times a second, and
// stays quiet when stderr is a file or a pipe.
func progress(stderr io.Writer, name string) func(done, total int) {
	if !isTerminal(stderr) {
		return nil
	}
	var mu sync.Mutex
	var last time.Time
	return func(done, total int) {
		mu.Lock()
		defer mu.Unlock()
		if done < total && time.Since(last) < 100*time.Millisecond {
			return
		}
		last = time.Now()
		fmt.Fprintf(stderr, "\r%s: trial %d/%d", name, done, total)
		if done == total {
			fmt.Fprint(stderr, "\r\033[K")
		}
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
