package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/firedrill/firedrill/drivers/containers/kubernetes"
	"github.com/firedrill/firedrill/reports"
)

// varFlags collects repeated --var k=v.
type varFlags map[string]string

func (v varFlags) String() string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		keys[i] = k + "=" + v[k]
	}
	return strings.Join(keys, ",")
}

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
	seed    seedFlag
	kube    kubernetes.Options
}

// newRunFlags declares the flags of run and, with compare, of compare.
// Usage strings name their argument in back quotes (flag.UnquoteUsage).
func newRunFlags(name string, compare bool) (*flag.FlagSet, *runFlags) {
	rf := &runFlags{vars: varFlags{}}
	fs := newFlagSet(name)
	fs.StringVar(&rf.driver, "driver", "model", "`DRIVER` to run on: model (simulation), containers (real stacks on Docker) or kubernetes (real stacks on a cluster)")
	fs.Var(rf.vars, "var", "override a variable's default with `NAME=VALUE` (repeatable)")
	fs.IntVar(&rf.trials, "trials", 1, "run `N` trials, drawing each fault's time from its range; reports p50/p95/max")
	fs.StringVar(&rf.format, "format", "table", "report `FORMAT`: "+strings.Join(reports.Names(), ", "))
	fs.IntVar(&rf.scale, "scale", 0, "containers driver: `N` real users per virtual user (default: the experiment's scale)")
	fs.StringVar(&rf.out, "out", "", "write the report to `PATH`, atomically (default: standard output)")
	fs.Var(&rf.seed, "seed", "draw fault times with seed `N` instead of the experiment's (0 to 2^53)")
	kubeFlags(fs, &rf.kube)
	if compare {
		fs.StringVar(&rf.hosting, "hosting", "", "compare only the hosting blocks `a,b`")
	}
	return fs, rf
}

// newFlagSet makes a flag set that prints nothing itself: firedrill
// prints errors and help its own way, with two dashes.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// commandFlags are the commands with flags, for "help COMMAND" and
// "COMMAND --help".
var commandFlags = map[string]struct {
	synopsis string
	flags    func() (*flag.FlagSet, any)
}{
	"run": {"firedrill run FILE... [flags]", func() (*flag.FlagSet, any) { return newRunFlags("run", false) }},
	"compare": {"firedrill compare FILE [flags]", func() (*flag.FlagSet, any) {
		return newRunFlags("compare", true)
	}},
	"risk": {"firedrill risk FILE [flags]", func() (*flag.FlagSet, any) {
		fs, r := newRiskFlags()
		return fs, r
	}},
	"calibrate": {calibrateSynopsis, func() (*flag.FlagSet, any) {
		fs, c := newCalibrateFlags()
		return fs, c
	}},
	"validate": {"firedrill validate [--strict] [--var NAME=VALUE]... FILE|DIR...", func() (*flag.FlagSet, any) {
		fs, v, _ := newValidateFlags()
		return fs, v
	}},
	"clean": {"firedrill clean [--force] [--driver containers|kubernetes] [RUN]", func() (*flag.FlagSet, any) {
		fs, c := newCleanFlags()
		return fs, c
	}},
	"fmt": {"firedrill fmt [--check] [FILE|DIR|-]...", func() (*flag.FlagSet, any) {
		fs, c := newFmtFlags()
		return fs, c
	}},
}

// errHelp is returned by parseArgs on -h or --help: the command prints
// its help on standard output and exits 0.
var errHelp = errors.New("help requested")

// parseArgs parses flags that may come before, between or after the
// positional arguments ("firedrill run FILE --trials 10"); "--" ends the
// flags, so that a file named "-x.hcl" can be given.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, usageErr("%s: %s", fs.Name(), twoDashes(err.Error()))
		}
		rest := fs.Args()
		if endedFlags(fs, args[:len(args)-len(rest)]) {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// endedFlags says whether the arguments the flag package consumed ended
// with the "--" terminator rather than with "--" as a flag's value.
func endedFlags(fs *flag.FlagSet, consumed []string) bool {
	for i := 0; i < len(consumed); i++ {
		a := consumed[i]
		if a == "--" {
			return true
		}
		name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil && !isBoolFlag(f) {
			i++ // its value
		}
	}
	return false
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// twoDashes rewrites the flag package's "-name" into "--name", the form
// the documentation uses.
func twoDashes(msg string) string {
	for _, p := range []string{"defined: -", "flag -", "argument: -"} {
		msg = strings.ReplaceAll(msg, p, p+"-")
	}
	return msg
}

// writeFlags lists a flag set's flags with two dashes.
func writeFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		arg, text := flag.UnquoteUsage(f)
		head := "  --" + f.Name
		if arg != "" && !isBoolFlag(f) {
			head += " " + arg
		}
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" && !strings.Contains(text, "(default") {
			text += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		if len(head) < 24 {
			fmt.Fprintf(w, "%-24s%s\n", head, text)
		} else {
			fmt.Fprintf(w, "%s\n%24s%s\n", head, "", text)
		}
	})
}

// printHelp prints a command's synopsis and flags.
func printHelp(w io.Writer, fs *flag.FlagSet, synopsis string) {
	fmt.Fprintf(w, "Usage: %s\n\nFlags (before or after the arguments):\n", synopsis)
	writeFlags(w, fs)
}

// kubeFlags declares the kubernetes driver's flags, on run, compare and
// clean.
func kubeFlags(fs *flag.FlagSet, o *kubernetes.Options) {
	fs.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubernetes driver: kubeconfig `PATH` (default: $KUBECONFIG, else ~/.kube/config)")
	fs.StringVar(&o.Context, "context", "", "kubernetes driver: kubeconfig context `NAME` (default: the current one)")
	fs.StringVar(&o.NamespacePrefix, "namespace-prefix", "fd", "kubernetes driver: `PREFIX` of the run's namespaces")
	fs.StringVar(&o.ImageRegistry, "image-registry", "", "kubernetes driver: push the images to `REGISTRY` for the nodes to pull (default: they must be on the nodes)")
	fs.StringVar(&o.ZoneLabel, "zone-label", kubernetes.ZoneLabel, "kubernetes driver: node `LABEL` naming the zones datacenters are pinned to")
	fs.StringVar(&o.VolumeDir, "volume-dir", kubernetes.DefaultVolumeDir, "kubernetes driver: `DIR` on the nodes for firedrill's own volumes, on a cluster without a default StorageClass")
}
