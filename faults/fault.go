// Package faults owns the kinds of fault an experiment can inject. Each kind
// lives in its own file, registers itself by name, declares and validates its
// HCL attributes, and says what it does as a list of primitive Effects that
// every driver knows how to carry out.
package faults

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Fault is one decoded, validated fault block.
type Fault interface {
	// Kind is the registered kind, e.g. "datacenter_fire".
	Kind() string
	// Name is the block's second label.
	Name() string
	// Timed says the fault has an at: it happens once, at a time drawn
	// from Window, in every trial (and in every simulated year).
	Timed() bool
	// Window is when a timed fault starts: a fixed time when min == max,
	// else a range the engine draws from for each trial.
	Window() (min, max time.Duration)
	// Every is the mean time between occurrences of a frequency fault, in
	// seconds (a float: "1000y" exceeds time.Duration), 0 when it has
	// none. The engine draws the occurrences (a Poisson process per
	// target); the kind only says what one does.
	Every() float64
	// Targets is how many targets draw their occurrences independently
	// (datacenter = [datacenter.a, datacenter.b] with every); 1 otherwise.
	Targets() int
	// Effects says what one occurrence does.
	Effects(o Occurrence) []Effect
	// DeclRange is where the fault is declared, for diagnostics.
	DeclRange() hcl.Range
}

// Occurrence is one happening of a fault, as the engine drew it: when, on
// which of its targets, and the random stream its range attributes (a
// power cut's duration = ["10m", "4h"]) are drawn from, so that every draw
// of a trial comes from the engine's seeded stream.
type Occurrence struct {
	At     time.Duration
	Target int // index in the fault's targets, 0 for a fault with one
	Rand   *rand.Rand
}

// Pick draws a range attribute for this occurrence, in whole seconds like
// start times; a fixed range, or no random stream, gives its minimum.
func (o Occurrence) Pick(r Range) time.Duration {
	if r.Max <= r.Min || o.Rand == nil {
		return r.Min
	}
	span := int64((r.Max - r.Min) / time.Second)
	return r.Min + time.Duration(o.Rand.Int64N(span+1))*time.Second
}

// Range is a duration attribute that may be drawn per occurrence: Min ==
// Max when it is fixed.
type Range struct{ Min, Max time.Duration }

// Fixed is a range of one value.
func Fixed(d time.Duration) Range { return Range{d, d} }

// ID names a fault in timelines and reports: kind.name.
func ID(f Fault) string { return f.Kind() + "." + f.Name() }

// Action is a primitive thing a driver can do to the topology.
type Action string

// The primitive actions. Every fault kind is expressed with these, so that a
// new fault kind rarely needs driver changes.
const (
	// Destroy kills every component of Datacenters and loses their volumes,
	// backups included. Permanent.
	Destroy Action = "destroy"
	// PowerOff stops every component of Datacenters for For; data survives.
	PowerOff Action = "power_off"
	// LoseDisk loses every volume of Datacenters (databases and backups);
	// the machines keep running.
	LoseDisk Action = "lose_disk"
	// Partition cuts the network between Datacenters and Peers for For.
	Partition Action = "partition"
	// Latency adds Delay (+/- Jitter) between Datacenters and Peers for For.
	Latency Action = "latency"
	// Crash kills the Target process ("app" or "database") of Regions;
	// Count app replicas (0 = all).
	Crash Action = "crash"
	// Surge multiplies the users of Regions who try to connect: a linear ramp
	// to Multiplier over Ramp, a hold for Hold, and a ramp back over Ramp.
	Surge Action = "surge"
	// Flood sends RPS requests per second of attack traffic at Regions for For.
	Flood Action = "flood"
)

// Effect is one primitive action, scheduled.
type Effect struct {
	Fault       string // ID of the fault that caused it
	Action      Action
	At          time.Duration // offset from the start of the experiment
	For         time.Duration // 0 for permanent or instantaneous actions
	Datacenters []string
	Peers       []string
	Regions     []string
	Target      string
	Count       int
	Multiplier  float64
	Ramp        time.Duration
	Hold        time.Duration
	RPS         float64
	Delay       time.Duration
	Jitter      time.Duration
}

// End is when the effect stops acting; equal to At for permanent ones.
// It saturates: an outage longer than time.Duration holds never ends.
func (e Effect) End() time.Duration { return AddDurations(e.At, e.For) }

// AddDurations is the sum of ds, saturating at the largest and smallest
// time.Duration instead of wrapping: every duration an experiment derives
// (a restore of 950 PB, a fault that lasts 290 years after a late start)
// stays in order with the others, and "never" stays after the horizon.
func AddDurations(ds ...time.Duration) time.Duration {
	var sum time.Duration
	for _, d := range ds {
		switch {
		case d > 0 && sum > math.MaxInt64-d:
			sum = math.MaxInt64
		case d < 0 && sum < math.MinInt64-d:
			sum = math.MinInt64
		default:
			sum += d
		}
	}
	return sum
}

// Attribute documents one attribute of a fault kind.
type Attribute struct {
	Name     string
	Required bool
	Doc      string
}

// Kind is a registered fault kind.
type Kind struct {
	Name       string
	Doc        string
	Attributes []Attribute
	// Decode validates a fault block's body and builds the fault.
	Decode func(name string, body hcl.Body, s *Scope) (Fault, hcl.Diagnostics)
}

var registry = map[string]Kind{}

// Register adds a fault kind. It panics on a duplicate name: that is a
// programming error caught by any test, never a user error.
func Register(k Kind) {
	if _, dup := registry[k.Name]; dup {
		panic(fmt.Sprintf("faults: kind %q registered twice", k.Name))
	}
	registry[k.Name] = k
}

// Lookup returns the kind registered under name.
func Lookup(name string) (Kind, bool) {
	k, ok := registry[name]
	return k, ok
}

// Kinds returns every registered kind, sorted by name.
func Kinds() []Kind {
	out := make([]Kind, 0, len(registry))
	for _, k := range registry {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
