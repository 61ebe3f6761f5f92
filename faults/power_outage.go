package faults

import (
	"github.com/hashicorp/hcl/v2"
)

func init() {
	Register(Kind{
		Name: "power_outage",
		Doc:  "A datacenter or a whole site loses power: everything in it stops, data intact, and comes back after the duration.",
		Attributes: []Attribute{
			atAttr, everyAttr,
			{Name: "datacenter", Doc: "the datacenter that goes dark (set this or site); with every, a list goes dark each on its own"},
			{Name: "site", Doc: `every datacenter on this site goes dark, e.g. "strasbourg" (set this or datacenter); with every, a list of sites`},
			{Name: "duration", Required: true, Doc: `how long until power is back ("8h", or a range ["10m", "4h"] drawn per occurrence)`},
		},
		Decode: decodePower,
	})
}

type power struct {
	base
	targets [][]string // per target, the datacenters that go dark
	dur     Range
}

func decodePower(name string, body hcl.Body, s *Scope) (Fault, hcl.Diagnostics) {
	b, a := decodeBase("power_outage", name, body, s, []Attribute{{Name: "datacenter"}, {Name: "site"}, {Name: "duration", Required: true}})
	p := &power{dur: a.DurationRange("duration", 0)}
	positiveRange(a, "duration", p.dur)
	switch {
	case a.Has("datacenter") && a.Has("site"):
		a.Errorf("site", "Conflicting targets", "Set datacenter or site, not both.")
	case a.Has("datacenter"):
		dcs := a.RefOrRefs("datacenter", "datacenter")
		several(a, &b, "datacenter", len(dcs))
		for _, dc := range dcs {
			p.targets = append(p.targets, []string{dc})
		}
	case a.Has("site"):
		sites := a.StringOrStrings("site")
		several(a, &b, "site", len(sites))
		for _, site := range sites {
			knownSite(a, "site", site, s)
			p.targets = append(p.targets, s.DatacentersWhere(func(d DatacenterInfo) bool { return d.Site == site }))
		}
	default:
		a.Errorf("datacenter", "Missing target", "A power_outage needs a datacenter or a site.")
	}
	p.base = b
	return p, a.Diags()
}

func (p *power) Effects(o Occurrence) []Effect {
	if o.Target >= len(p.targets) {
		return nil
	}
	return []Effect{{Fault: p.id(), Action: PowerOff, At: o.At, For: o.Pick(p.dur), Datacenters: p.targets[o.Target]}}
}
