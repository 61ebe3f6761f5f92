package main

import (
	"io"
	"sort"

	"github.com/firedrill/firedrill/drivers/containers"
	"github.com/firedrill/firedrill/drivers/containers/docker"
	"github.com/firedrill/firedrill/drivers/containers/kubernetes"
	"github.com/firedrill/firedrill/drivers/model"
	"github.com/firedrill/firedrill/engine"
)

// driverEntry builds a driver for the run's flags. parallel says whether
// trials may run concurrently on it; baseline, when set, runs the control
// trial (no fault) instead of the driver itself.
type driverEntry struct {
	engine.Driver
	parallel bool
	baseline engine.Driver
}

var drivers = map[string]func(rf *runFlags, stderr io.Writer) driverEntry{
	"model": func(*runFlags, io.Writer) driverEntry { return driverEntry{Driver: model.New(), parallel: true} },
	// Trials on containers run one after the other: each starts its own
	// stacks, and two at once would measure each other's load. Their
	// control trial is simulated: a second set of real stacks living an
	// ordinary day would double the run for a figure the model gives.
	"containers": func(rf *runFlags, stderr io.Writer) driverEntry {
		return driverEntry{Driver: containers.New(containers.Options{Platform: docker.New(), Scale: rf.scale, Progress: stderr}), baseline: model.New()}
	},
	// The same stacks on a Kubernetes cluster, one trial at a time for
	// the same reasons.
	"kubernetes": func(rf *runFlags, stderr io.Writer) driverEntry {
		return driverEntry{Driver: containers.New(containers.Options{Platform: kubernetes.New(rf.kube), Scale: rf.scale, Progress: stderr}), baseline: model.New()}
	},
}

func driverNames() []string {
	var n []string
	for k := range drivers {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}
