package faults

import (
	"time"

	"github.com/hashicorp/hcl/v2"
)

// base holds what every fault has: its kind, name, start window or
// frequency, number of targets and declaration range.
type base struct {
	kind, name string
	timed      bool
	min, max   time.Duration
	every      float64 // seconds; 0 for none
	targets    int
	decl       hcl.Range
}

func (b base) Kind() string                           { return b.kind }
func (b base) Name() string                           { return b.name }
func (b base) Timed() bool                            { return b.timed }
func (b base) Window() (time.Duration, time.Duration) { return b.min, b.max }
func (b base) Every() float64                         { return b.every }
func (b base) Targets() int                           { return max(1, b.targets) }
func (b base) DeclRange() hcl.Range                   { return b.decl }
func (b base) id() string                             { return b.kind + "." + b.name }

// atAttr and everyAttr document the start attributes shared by every kind.
var (
	atAttr = Attribute{Name: "at",
		Doc: `when the fault starts, from the experiment's start: a duration ("47m") or a range ["0h", "24h"] drawn per trial; set at, every, or both`}
	everyAttr = Attribute{Name: "every",
		Doc: `mean time between occurrences ("50y"): a Poisson process per target over the horizon (each year, for risk); with at too, run and compare play at and risk uses every`}
)

// MinEvery is the shortest mean time between occurrences: anything more
// frequent is the workload's weather, not a fault, and would make a
// simulated year a flood of events.
const MinEvery = time.Hour

// decodeBase reads the attributes every fault has and returns the rest for
// the kind to read.
func decodeBase(kind, name string, body hcl.Body, s *Scope, attrs []Attribute) (base, *Attrs) {
	a := s.Content(body, append([]Attribute{atAttr, everyAttr}, attrs...))
	b := base{kind: kind, name: name, decl: body.MissingItemRange()}
	b.timed = a.Has("at")
	if b.timed {
		b.min, b.max = a.Window("at")
	}
	if a.Has("every") {
		b.every = a.Period("every")
		if a.Valid("every") && b.every < MinEvery.Seconds() {
			a.Errorf("every", "Invalid frequency", "every must be at least %s (the mean time between occurrences), got %s.", FormatDuration(MinEvery), FormatPeriod(b.every))
			b.every = 0
		}
	}
	if !a.Has("at") && !a.Has("every") {
		a.Errorf("at", "Missing start", `A fault needs at (when it happens, like "47m") or every (how often, like "50y"), or both.`)
	}
	return b, a
}

// several records that a fault names n targets (a list where one is
// usual), each drawing its own occurrences: only a frequency fault can.
func several(a *Attrs, b *base, name string, n int) {
	if n <= 1 {
		return
	}
	switch {
	case b.every == 0 && !a.Has("every"):
		a.Errorf(name, "Several targets without every", "%s lists %d targets; each draws its own occurrences, which needs every (how often). A timed fault happens once: write one block per target.", name, n)
	case b.timed:
		a.Errorf(name, "Several targets with at", "%s lists %d targets, but at places one occurrence for run and compare: give every alone, or one block per target.", name, n)
	}
	b.targets = n
}

// positiveRange records an error when a duration attribute that must be
// set is zero, or a range of them starts at zero.
func positiveRange(a *Attrs, name string, r Range) {
	if a.Valid(name) && r.Min <= 0 {
		a.Errorf(name, "Invalid duration", "%s must be longer than zero.", name)
	}
}

// positive records an error when a duration attribute that must be set is
// zero.
func positive(a *Attrs, name string, d time.Duration) {
	if a.Valid(name) && d <= 0 {
		a.Errorf(name, "Invalid duration", "%s must be longer than zero.", name)
	}
}

// knownSite checks that some datacenter is on the site.
func knownSite(a *Attrs, name, site string, s *Scope) {
	if site == "" {
		return
	}
	if len(s.DatacentersWhere(func(d DatacenterInfo) bool { return d.Site == site })) == 0 {
		var sites []string
		seen := map[string]bool{}
		for _, n := range s.DatacentersWhere(func(DatacenterInfo) bool { return true }) {
			if st := s.Datacenters[n].Site; !seen[st] {
				seen[st] = true
				sites = append(sites, st)
			}
		}
		a.Errorf(name, "Unknown site", "No datacenter is on site %q. Sites: %s.", site, quoteList(sites))
	}
}

// requireRegions checks a list of region references is not empty.
func requireRegions(a *Attrs, name string, regions []string) {
	if a.Valid(name) && len(regions) == 0 {
		a.Errorf(name, "No region", "%s must name at least one region, like [region.grand-est].", name)
	}
}
