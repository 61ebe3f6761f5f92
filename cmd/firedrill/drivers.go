package main

import (
	"io"
	"sort"

	"github.com/firedrill/firedrill/drivers/containers"
	"github.com/firedrill/firedrill/drivers/model"
	"github.com/firedrill/firedrill/engine"
)

// driverEntry builds a driver for the run's flags. parallel says whether
// trials may run concurrently on it.
type driverEntry struct {
	engine.Driver
	parallel bool
}

var drivers = map[string]func(rf *runFlags, stderr io.Writer) driverEntry{
	"model": func(*runFlags, io.Writer) driverEntry { return driverEntry{Driver: model.New(), parallel: true} },
	// Trials on containers run one after the other: each starts its own
	// stacks, and two at once would measure each other's load.
	"containers": func(rf *runFlags, stderr io.Writer) driverEntry {
		return driverEntry{Driver: containers.New(containers.Options{Scale: rf.scale, Progress: stderr})}
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
