package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/firedrill/firedrill/drivers/containers"
	"github.com/firedrill/firedrill/drivers/containers/docker"
	"github.com/firedrill/firedrill/drivers/model"
	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/faults"
	"github.com/firedrill/firedrill/reports"
)

type calibrateFlags struct {
	vars       varFlags
	runs       int
	tolerance  string
	floor      string
	shareFloor string
	format     string
	out        string
	scale      int
}

func newCalibrateFlags() (*flag.FlagSet, *calibrateFlags) {
	cf := &calibrateFlags{vars: varFlags{}}
	fs := newFlagSet("calibrate")
	fs.Var(cf.vars, "var", "override a variable's default with `NAME=VALUE` (repeatable)")
	fs.IntVar(&cf.runs, "runs", 1, "run the containers side `N` times; measured figures are the median, with min–max")
	fs.StringVar(&cf.tolerance, "tolerance", "20%", "a duration agrees within `PERCENT` of the measured value...")
	fs.StringVar(&cf.floor, "floor", "60s", "...or within `DURATION`, whichever is larger")
	fs.StringVar(&cf.shareFloor, "share-floor", "3pp", "a served share agrees within `POINTS` percentage points")
	fs.StringVar(&cf.format, "format", "table", "report `FORMAT`: "+strings.Join(reports.CalibrationFormats, ", "))
	fs.IntVar(&cf.scale, "scale", 0, "containers side: `N` real users per virtual user (default: the experiment's scale)")
	fs.StringVar(&cf.out, "out", "", "write the report to `PATH`, atomically (default: standard output)")
	return fs, cf
}

// calibrateSynopsis is the command's one-line usage.
const calibrateSynopsis = "firedrill calibrate FILE [flags]"

// cmdCalibrate runs the experiment on the model and on containers with the
// same drawn plan and compares them figure by figure. It exits 1 when some
// figure is out of tolerance.
func cmdCalibrate(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs, cf := newCalibrateFlags()
	files, err := parseArgs(fs, args)
	if errors.Is(err, errHelp) {
		printHelp(stdout, fs, calibrateSynopsis)
		return exitPass, nil
	}
	if err != nil {
		return exitInvalid, err
	}
	if len(files) != 1 {
		return exitInvalid, usageErr("calibrate: name exactly one experiment file, got %d", len(files))
	}
	opts, err := cf.options()
	if err != nil {
		return exitInvalid, err
	}
	if !slices.Contains(reports.CalibrationFormats, cf.format) {
		return exitInvalid, usageErr("--format: unknown format %q (have %s)", cf.format, strings.Join(reports.CalibrationFormats, ", "))
	}
	if cf.scale < 0 {
		return exitInvalid, usageErr("--scale must be positive, got %d", cf.scale)
	}
	out, err := openOutput(cf.out, stdout)
	if err != nil {
		return exitInvalid, err
	}
	defer out.discard()
	exps, err := load(ctx, files, cf.vars, stderr)
	if err != nil {
		return exitInvalid, err
	}
	opts.Progress = func(run, runs int) {
		fmt.Fprintf(stderr, "calibrate %s: containers run %d of %d\n", exps[0].Name, run, runs)
	}
	drv := containers.New(containers.Options{Platform: docker.New(), Scale: cf.scale, Progress: stderr})
	cal, err := engine.Calibrate(ctx, exps[0], model.New(), drv, opts)
	if err != nil {
		return exitInfra, infraErr(err)
	}
	if err := out.write(ctx, func(w io.Writer) error { return reports.WriteCalibration(w, cal, cf.format) }); err != nil {
		return exitInfra, err
	}
	if !cal.Agree() {
		return exitFail, nil
	}
	return exitPass, nil
}

// options reads the margins: "20%" or "0.2", "60s", "3pp" or "3".
func (cf *calibrateFlags) options() (engine.CalibrateOptions, error) {
	o := engine.CalibrateOptions{Runs: cf.runs}
	if cf.runs < 1 {
		return o, usageErr("--runs must be at least 1, got %d", cf.runs)
	}
	t := strings.TrimSpace(cf.tolerance)
	pct := strings.HasSuffix(t, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(t, "%"), 64)
	if pct {
		v /= 100
	}
	if err != nil || v <= 0 || v >= 10 {
		return o, usageErr(`--tolerance: want a positive share such as "20%%" or 0.2, got %q`, cf.tolerance)
	}
	o.Tolerance = v
	d, err := faults.ParseDuration(cf.floor)
	if err != nil || d <= 0 {
		return o, usageErr(`--floor: want a positive duration such as "60s", got %q`, cf.floor)
	}
	o.Floor = d
	s, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(cf.shareFloor), "pp"), 64)
	if err != nil || s <= 0 || s > 100 {
		return o, usageErr(`--share-floor: want percentage points such as "3pp" or 3, got %q`, cf.shareFloor)
	}
	o.ShareFloor = s
	o.Sustain = engine.DefaultSustain
	return o, nil
}
