package faults

import (
	"time"

	"github.com/hashicorp/hcl/v2"
)

func init() {
	Register(Kind{
		Name: "power_outage",
		Doc:  "A datacenter or a whole site loses power: everything in it stops, data intact, and comes back after the duration.",
		Attributes: []Attribute{
			atAttr,
			{Name: "datacenter", Doc: "the datacenter that goes dark (set this or site)"},
			{Name: "site", Doc: `every datacenter on this site goes dark, e.g. "strasbourg" (set this or datacenter)`},
			{Name: "duration", Required: true, Doc: `how long until power is back ("8h")`},
		},
		Decode: decodePower,
	})
}

type power struct {
	base
	dcs []string
	dur time.Duration
}

func decodePower(name string, body hcl.Body, s *Scope) (Fault, hcl.Diagnostics) {
	b, a := decodeBase("power_outage", name, body, s, []Attribute{{Name: "datacenter"}, {Name: "site"}, {Name: "duration", Required: true}})
	p := &power{base: b, dur: a.Duration("duration", 0)}
	positive(a, "duration", p.dur)
	switch {
	case a.Has("datacenter") && a.Has("site"):
		a.Errorf("site", "Conflicting targets", "Set datacenter or site, not both.")
	case a.Has("datacenter"):
		if dc := a.Ref("datacenter", "datacenter"); dc != "" {
			p.dcs = []string{dc}
		}
	case a.Has("site"):
		site := a.String("site", "")
		knownSite(a, "site", site, s)
		p.dcs = s.DatacentersWhere(func(d DatacenterInfo) bool { return d.Site == site })
	default:
		a.Errorf("datacenter", "Missing target", "A power_outage needs a datacenter or a site.")
	}
	return p, a.Diags()
}

func (p *power) Effects(at time.Duration) []Effect {
	return []Effect{{Fault: p.id(), Action: PowerOff, At: at, For: p.dur, Datacenters: p.dcs}}
}
