package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"golang.org/x/term"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/reports"
)

// runSetup is everything run and compare check before loading a file:
// a usage error must not wait for the files, nor print their warnings.
type runSetup struct {
	w    reports.Writer
	out  *output
	drv  engine.Driver
	opts engine.Options // workers and the control trial's driver
}

func setup(rf *runFlags, stdout, stderr io.Writer) (*runSetup, error) {
	w, err := reports.ByName(rf.format)
	if err != nil {
		return nil, usageErr("--format: %v", err)
	}
	if rf.trials < 1 {
		return nil, usageErr("--trials must be at least 1, got %d", rf.trials)
	}
	if rf.scale < 0 {
		return nil, usageErr("--scale must be positive, got %d", rf.scale)
	}
	drv, opts, err := openDriver(rf, stderr)
	if err != nil {
		return nil, err
	}
	out, err := openOutput(rf.out, stdout)
	if err != nil {
		return nil, err
	}
	if out.tmp == nil {
		// a report for a person at a terminal fits its width; one for a
		// file or a pipe is drawn whole.
		w = reports.Fit(w, terminalWidth(stdout))
	}
	return &runSetup{w: w, out: out, drv: drv, opts: opts}, nil
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs, rf := newRunFlags("run", false)
	files, err := parseArgs(fs, args)
	if errors.Is(err, errHelp) {
		printHelp(stdout, fs, commandFlags["run"].synopsis)
		return exitPass, nil
	}
	if err != nil {
		return exitInvalid, err
	}
	if len(files) == 0 {
		return exitInvalid, usageErr("run: name at least one experiment file")
	}
	s, err := setup(rf, stdout, stderr)
	if err != nil {
		return exitInvalid, err
	}
	defer s.out.discard()
	exps, err := load(ctx, files, rf.vars, stderr)
	if err != nil {
		return exitInvalid, err
	}
	rf.seed.apply(exps...)
	warnFixedTrials(stderr, rf.trials, exps...)
	var results []*engine.Result
	for _, e := range exps {
		opts := s.opts
		opts.Progress = progress(stderr, e.Name, "trial")
		res, err := engine.Run(ctx, e, s.drv, opts)
		if err != nil {
			return exitInfra, infraErr(fmt.Errorf("run %s: %w", e.File, err))
		}
		results = append(results, res)
	}
	if err := s.out.write(ctx, func(w io.Writer) error { return s.w.WriteRuns(w, results) }); err != nil {
		return exitInfra, err
	}
	for _, res := range results {
		if !res.Pass() {
			return exitFail, nil
		}
	}
	return exitPass, nil
}

// cmdCompare exits 1 when some region has no offer that meets all of its
// objectives: its best-ranked offer fails (engine.Comparison.Pass).
func cmdCompare(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs, rf := newRunFlags("compare", true)
	files, err := parseArgs(fs, args)
	if errors.Is(err, errHelp) {
		printHelp(stdout, fs, commandFlags["compare"].synopsis)
		return exitPass, nil
	}
	if err != nil {
		return exitInvalid, err
	}
	if len(files) != 1 {
		return exitInvalid, usageErr("compare: name exactly one experiment file, got %d", len(files))
	}
	s, err := setup(rf, stdout, stderr)
	if err != nil {
		return exitInvalid, err
	}
	defer s.out.discard()
	exps, err := loadQuiet(ctx, files, rf.vars, stderr)
	if err != nil {
		return exitInvalid, err
	}
	e := exps[0].Experiment
	var hostings []string
	if rf.hosting != "" {
		for _, h := range strings.Split(rf.hosting, ",") {
			h = strings.TrimSpace(h)
			if slices.Contains(hostings, h) {
				return exitInvalid, usageErr("compare: --hosting names %q twice", h)
			}
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
	warnSummary(stderr, exps)
	rf.seed.apply(e)
	warnFixedTrials(stderr, rf.trials, e)
	opts := s.opts
	opts.Progress = progress(stderr, e.Name, "trial")
	cmp, err := engine.Compare(ctx, e, s.drv, hostings, opts)
	if err != nil {
		return exitInfra, infraErr(err)
	}
	if err := s.out.write(ctx, func(w io.Writer) error { return s.w.WriteComparison(w, cmp) }); err != nil {
		return exitInfra, err
	}
	if !cmp.Pass() {
		return exitFail, nil
	}
	return exitPass, nil
}

// loaded is an experiment with its warnings.
type loaded struct {
	*experiments.Experiment
	warnings hcl.Diagnostics
}

// load reads every file and prints the warnings' one-line summary.
func load(ctx context.Context, files []string, vars map[string]string, stderr io.Writer) ([]*experiments.Experiment, error) {
	ls, err := loadQuiet(ctx, files, vars, stderr)
	if err != nil {
		return nil, err
	}
	warnSummary(stderr, ls)
	exps := make([]*experiments.Experiment, len(ls))
	for i, l := range ls {
		exps[i] = l.Experiment
	}
	return exps, nil
}

// loadQuiet reads every file before anything runs, so that bad input never
// starts a driver. Errors are printed in full; warnings are kept for
// warnSummary, printed only once the command is sure to run.
func loadQuiet(ctx context.Context, files []string, vars map[string]string, stderr io.Writer) ([]loaded, error) {
	var out []loaded
	var errs hcl.Diagnostics
	warnings := 0
	for _, f := range files {
		e, diags := experiments.LoadContext(ctx, f, vars)
		if ctx.Err() != nil {
			return nil, errInterrupted
		}
		var w hcl.Diagnostics
		for _, d := range diags {
			if d.Severity == hcl.DiagError {
				errs = append(errs, d)
			} else {
				w = append(w, d)
			}
		}
		warnings += len(w)
		if e != nil {
			out = append(out, loaded{e, w})
		}
	}
	if len(errs) > 0 {
		experiments.WriteDiagnostics(stderr, errs, 78, isTerminal(stderr))
		more := ""
		if warnings > 0 {
			more = fmt.Sprintf(" (and %d warning(s): firedrill validate shows them)", warnings)
		}
		return nil, usageErr("%d error(s) in experiment files%s; nothing was run", len(errs), more)
	}
	return out, nil
}

// warnSummary says in one line that there are warnings, and how to see
// them in full.
func warnSummary(stderr io.Writer, ls []loaded) {
	n := 0
	var files []string
	for _, l := range ls {
		n += len(l.warnings)
		if len(l.warnings) > 0 {
			files = append(files, l.File)
		}
	}
	if n > 0 {
		fmt.Fprintf(stderr, "firedrill: %d warning(s); see them with: firedrill validate %s\n", n, strings.Join(files, " "))
	}
}

// openDriver builds the run's driver and the engine options that go with
// it: how many trials at once, and which driver runs the control trial.
func openDriver(rf *runFlags, stderr io.Writer) (engine.Driver, engine.Options, error) {
	mk, ok := drivers[rf.driver]
	if !ok {
		return nil, engine.Options{}, usageErr("--driver: unknown driver %q (have %s)", rf.driver, strings.Join(driverNames(), ", "))
	}
	d := mk(rf, stderr)
	opts := engine.Options{Trials: rf.trials, Workers: 1, Baseline: d.baseline}
	if d.parallel {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	return d.Driver, opts, nil
}

// progress shows how many units (trials, years) are done on a terminal, at
// most ten times a second, and stays quiet when stderr is a file or a pipe.
func progress(stderr io.Writer, name, unit string) func(done, total int) {
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
		fmt.Fprintf(stderr, "\r%s: %s %d/%d", name, unit, done, total)
		if done == total {
			fmt.Fprint(stderr, "\r\033[K")
		}
	}
}

// terminalWidth is how many columns the terminal w shows: $COLUMNS when
// set (as the shell sets it, or as a user forces it), else what the
// terminal says, else 80; 0 when w is not a terminal.
func terminalWidth(w io.Writer) int {
	if !isTerminal(w) {
		return 0
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if f, ok := w.(*os.File); ok {
		if n, _, err := term.GetSize(int(f.Fd())); err == nil && n > 0 {
			return n
		}
	}
	return 80
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
