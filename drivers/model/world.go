package model

import (
	"math"
	"slices"
	"time"

	"github.com/firedrill/firedrill/faults"
	"github.com/firedrill/firedrill/rules"
)

const (
	never = time.Duration(math.MaxInt64)
	ever  = time.Duration(math.MinInt64)
)

// world is what one trial's effects do to datacenters and links, shared by
// every region of the trial.
type world struct {
	effects []faults.Effect
	dcs     map[string]*dcFate
	// bounds are every effect's start and end, in time order: the moments
	// at which some region's state may change.
	bounds []bound
}

// dcFate is a datacenter's fate over the horizon.
type dcFate struct {
	destroyed time.Duration   // never when it is not
	lost      []time.Duration // when its volumes were lost (destroy included)
	off       []span          // powered off, data intact
}

type span struct{ a, b time.Duration }

type bound struct {
	at  time.Duration
	e   int // index in effects
	end bool
}

func newWorld(effects []faults.Effect) *world {
	w := &world{effects: effects, dcs: map[string]*dcFate{}}
	fate := func(dc string) *dcFate {
		f := w.dcs[dc]
		if f == nil {
			f = &dcFate{destroyed: never}
			w.dcs[dc] = f
		}
		return f
	}
	for i := range effects {
		e := &effects[i]
		switch e.Action {
		case faults.Destroy:
			for _, dc := range e.Datacenters {
				f := fate(dc)
				f.destroyed = min(f.destroyed, e.At)
				f.lost = append(f.lost, e.At)
			}
		case faults.LoseDisk:
			for _, dc := range e.Datacenters {
				fate(dc).lost = append(fate(dc).lost, e.At)
			}
		case faults.PowerOff:
			for _, dc := range e.Datacenters {
				fate(dc).off = append(fate(dc).off, span{e.At, e.End()})
			}
		}
		w.bounds = append(w.bounds, bound{at: e.At, e: i})
		if e.For > 0 {
			w.bounds = append(w.bounds, bound{at: e.End(), e: i, end: true})
		}
	}
	slices.SortStableFunc(w.bounds, func(a, b bound) int {
		switch {
		case a.at < b.at:
			return -1
		case a.at > b.at:
			return 1
		}
		return 0
	})
	return w
}

// up says whether the datacenter runs at t.
func (w *world) up(dc string, t time.Duration) bool {
	f := w.dcs[dc]
	if f == nil {
		return true
	}
	if f.destroyed <= t {
		return false
	}
	for _, s := range f.off {
		if s.a <= t && t < s.b {
			return false
		}
	}
	return true
}

// lostSince is the newest loss of the datacenter's volumes at or before t,
// or ever when there was none.
func (w *world) lostSince(dc string, t time.Duration) time.Duration {
	f := w.dcs[dc]
	last := ever
	if f == nil {
		return last
	}
	for _, at := range f.lost {
		if at <= t && at > last {
			last = at
		}
	}
	return last
}

// cut says whether a partition separates datacenters a and b at t.
func (w *world) cut(a, b string, t time.Duration) bool { return w.cutBy(a, b, t) != "" }

// delay is the latency added between datacenters a and b at t.
func (w *world) delay(a, b string, t time.Duration) time.Duration {
	var d time.Duration
	if a == b {
		return 0
	}
	for i := range w.effects {
		e := &w.effects[i]
		if e.Action == faults.Latency && e.At <= t && t < e.End() && rules.Between(e, a, b) {
			d += e.Delay
		}
	}
	return d
}

// why says what happened to datacenter dc by t, and which fault did it: a
// destruction, else the newest of a power cut in progress and a loss of
// its disks. what is "" when nothing did.
func (w *world) why(dc string, t time.Duration) (what, fault string) {
	at := ever
	for i := range w.effects {
		e := &w.effects[i]
		if e.At > t || !slices.Contains(e.Datacenters, dc) {
			continue
		}
		switch e.Action {
		case faults.Destroy:
			return "was destroyed", e.Fault
		case faults.PowerOff:
			if t < e.End() && e.At >= at {
				what, fault, at = "is powered off", e.Fault, e.At
			}
		case faults.LoseDisk:
			if e.At >= at {
				what, fault, at = "lost its disks", e.Fault, e.At
			}
		}
	}
	return what, fault
}

// cutBy is the fault whose partition separates datacenters a and b at t,
// "" when none does.
func (w *world) cutBy(a, b string, t time.Duration) string {
	if a == b {
		return ""
	}
	for i := range w.effects {
		e := &w.effects[i]
		if e.Action == faults.Partition && e.At <= t && t < e.End() && rules.Between(e, a, b) {
			return e.Fault
		}
	}
	return ""
}
