package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"runtime"
	"strings"

	"github.com/firedrill/firedrill/drivers/model"
	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/reports"
)

type riskFlags struct {
	vars    varFlags
	years   int
	format  string
	out     string
	hosting string
}

func newRiskFlags() (*flag.FlagSet, *riskFlags) {
	rf := &riskFlags{vars: varFlags{}}
	fs := newFlagSet("risk")
	fs.Var(rf.vars, "var", "override a variable's default with `NAME=VALUE` (repeatable)")
	fs.IntVar(&rf.years, "years", engine.DefaultYears, "simulate `N` independent years per region and offer")
	fs.StringVar(&rf.format, "format", "table", "report `FORMAT`: "+strings.Join(reports.RiskNames(), ", "))
	fs.StringVar(&rf.out, "out", "", "write the report to `PATH`, atomically (default: standard output)")
	fs.StringVar(&rf.hosting, "hosting", "", "only the hosting blocks `a,b`")
	return fs, rf
}

// cmdRisk simulates years of every region on every offer with the model
// driver and writes the annual figures. It exits 1 when some region has no
// offer that meets its annual objectives.
func cmdRisk(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs, rf := newRiskFlags()
	files, err := parseArgs(fs, args)
	if errors.Is(err, errHelp) {
		printHelp(stdout, fs, commandFlags["risk"].synopsis)
		return exitPass, nil
	}
	if err != nil {
		return exitInvalid, err
	}
	if len(files) != 1 {
		return exitInvalid, usageErr("risk: name exactly one experiment file, got %d", len(files))
	}
	if !reports.HasRiskFormat(rf.format) {
		return exitInvalid, usageErr("--format: risk writes %s, not %q", strings.Join(reports.RiskNames(), ", "), rf.format)
	}
	if rf.years < 1 {
		return exitInvalid, usageErr("--years must be at least 1, got %d", rf.years)
	}
	out, err := openOutput(rf.out, stdout)
	if err != nil {
		return exitInvalid, err
	}
	defer out.discard()
	exps, err := loadQuiet(ctx, files, rf.vars, stderr)
	if err != nil {
		return exitInvalid, err
	}
	e := exps[0].Experiment
	hostings, err := pickHostings("risk", e, rf.hosting)
	if err != nil {
		return exitInvalid, err
	}
	warnSummary(stderr, exps)
	res, err := engine.RunRisk(ctx, e, model.New(), hostings, engine.RiskOptions{
		Years:    rf.years,
		Workers:  runtime.GOMAXPROCS(0),
		Progress: progress(stderr, e.Name, "year"),
	})
	if err != nil {
		if ctx.Err() != nil {
			return exitInterrupted, errInterrupted
		}
		if errors.Is(err, engine.ErrTooFrequent) {
			return exitInvalid, usageErr("%v", err)
		}
		return exitInfra, infraErr(err)
	}
	if err := out.write(ctx, func(w io.Writer) error { return reports.WriteRisk(w, rf.format, res) }); err != nil {
		return exitInfra, err
	}
	if !res.Pass() {
		return exitFail, nil
	}
	return exitPass, nil
}

// pickHostings reads --hosting a,b against the file's hosting blocks.
func pickHostings(cmd string, e *experiments.Experiment, list string) ([]string, error) {
	if len(e.Hostings) == 0 {
		return nil, usageErr("%s: %s declares no hosting", cmd, e.File)
	}
	if list == "" {
		return nil, nil
	}
	var out []string
	for _, h := range strings.Split(list, ",") {
		h = strings.TrimSpace(h)
		if e.Hosting(h) == nil {
			var have []string
			for _, x := range e.Hostings {
				have = append(have, x.Name)
			}
			return nil, usageErr("%s: %s has no hosting %q (have %s)", cmd, e.File, h, strings.Join(have, ", "))
		}
		out = append(out, h)
	}
	return out, nil
}
