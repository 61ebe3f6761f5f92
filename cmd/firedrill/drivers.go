package main

import (
	"io"
	"sort"

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
}

func driverNames() []string {
	var n []string
	for k := range drivers {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}
