package faults

import (
	"time"

	"github.com/hashicorp/hcl/v2"
)

// base holds what every fault has: its kind, name, start window and
// declaration range.
type base struct {
	kind, name string
	min, max   time.Duration
	decl       hcl.Range
}

func (b base) Kind() string                           { return b.kind }
func (b base) Name() string                           { return b.name }
func (b base) Window() (time.Duration, time.Duration) { return b.min, b.max }
func (b base) DeclRange() hcl.Range                   { return b.decl }
func (b base) id() string                             { return b.kind + "." + b.name }

// atAttr documents the start attribute shared by every kind.
var atAttr = Attribute{Name: "at", Required: true,
	Doc: `when the fault starts, from the experiment's start: a duration ("47m") or a range ["0h", "24h"] drawn per trial`}

// decodeBase reads the attributes every fault has and returns the rest for
// the kind to read.
func decodeBase(kind, name string, body hcl.Body, s *Scope, attrs []Attribute) (base, *Attrs) {
	a := s.Content(body, append([]Attribute{atAttr}, attrs...))
	b := base{kind: kind, name: name, decl: body.MissingItemRange()}
	b.min, b.max = a.Window("at")
	return b, a
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
