package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/firedrill/firedrill/drivers/containers/docker"
	"github.com/firedrill/firedrill/drivers/containers/kubernetes"
)

// cmdImages builds the containers driver's images, so that the first run
// does not pay for it.
func cmdImages(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) > 0 {
		return exitInvalid, usageErr("images: takes no arguments")
	}
	im, err := docker.EnsureImages(ctx, stderr)
	if err != nil {
		return exitInfra, infraErr(err)
	}
	state := "all cached"
	if !im.Cached() {
		state = fmt.Sprintf("built %d in %s", len(im.Built), im.Took.Round(time.Second))
	}
	fmt.Fprintf(stdout, "images (%s):\n  %s\n  %s\n  %s\n  %s\n", state, im.PG, im.Entd, im.Link, im.Reaper)
	return exitPass, nil
}

type cleanFlags struct {
	force  bool
	driver string
	kube   kubernetes.Options
}

func newCleanFlags() (*flag.FlagSet, *cleanFlags) {
	cf := &cleanFlags{}
	fs := newFlagSet("clean")
	fs.BoolVar(&cf.force, "force", false, "remove runs whose process is still alive too")
	fs.StringVar(&cf.driver, "driver", "containers", "`DRIVER` whose runs to remove: containers or kubernetes")
	kubeFlags(fs, &cf.kube)
	return fs, cf
}

// cmdClean removes what runs left behind: the containers, networks and
// volumes of one run, or of every firedrill run, on Docker; the
// namespaces and volumes on a Kubernetes cluster. Runs whose process is
// still alive on this host are left alone unless --force.
func cmdClean(ctx context.Context, args []string, stdout io.Writer) (int, error) {
	fs, cf := newCleanFlags()
	rest, err := parseArgs(fs, args)
	if errors.Is(err, errHelp) {
		printHelp(stdout, fs, commandFlags["clean"].synopsis)
		return exitPass, nil
	}
	if err != nil {
		return exitInvalid, err
	}
	force, driver, ko := &cf.force, &cf.driver, cf.kube
	if len(rest) > 1 {
		return exitInvalid, usageErr("clean: takes at most one run ID")
	}
	id := ""
	if len(rest) == 1 {
		id = rest[0]
	}
	switch *driver {
	case "containers":
		n, kept, err := docker.Clean(ctx, id, *force)
		if err != nil {
			return exitInfra, infraErr(err)
		}
		fmt.Fprintf(stdout, "removed %s\n", n)
		for _, k := range kept {
			fmt.Fprintf(stdout, "left run %s alone: its process is still running on this host (--force removes it anyway)\n", k)
		}
	case "kubernetes":
		n, err := kubernetes.Clean(ctx, ko, id, *force)
		if err != nil {
			return exitInfra, infraErr(err)
		}
		fmt.Fprintf(stdout, "removed the namespaces and volumes of %d run(s)\n", n)
	default:
		return exitInvalid, usageErr("clean: --driver: containers or kubernetes, not %q", *driver)
	}
	return exitPass, nil
}
