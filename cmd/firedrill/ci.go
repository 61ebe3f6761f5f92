package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/firedrill/firedrill/experiments"
)

// maxSeed is the largest seed an experiment file may give (2^53, the
// largest integer its numbers hold exactly); --seed keeps the same range.
const maxSeed = 1 << 53

// seedFlag is --seed: it replaces the experiment's seed when given.
type seedFlag struct {
	v   int64
	set bool
}

func (s *seedFlag) String() string {
	if s == nil || !s.set {
		return ""
	}
	return strconv.FormatInt(s.v, 10)
}

func (s *seedFlag) Set(v string) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > maxSeed {
		return fmt.Errorf("want a whole number from 0 to %d", int64(maxSeed))
	}
	s.v, s.set = n, true
	return nil
}

// apply gives every experiment the flag's seed, when it was given.
func (s *seedFlag) apply(exps ...*experiments.Experiment) {
	if !s.set {
		return
	}
	for _, e := range exps {
		e.Seed = s.v
	}
}

// warnFixedTrials says when several trials would all be the same: the
// trials differ only by the start times drawn from the faults' ranges.
func warnFixedTrials(stderr io.Writer, trials int, exps ...*experiments.Experiment) {
	if trials <= 1 {
		return
	}
	for _, e := range exps {
		ranged := false
		for _, f := range e.Faults {
			if lo, hi := f.Window(); hi > lo {
				ranged = true
				break
			}
		}
		if !ranged {
			fmt.Fprintf(stderr, "firedrill: warning: --trials %d: no fault of %s has a range of start times (at = [\"0h\", \"24h\"]), so every trial is the same\n", trials, e.File)
		}
	}
}
