package faults

import (
	"time"

	"github.com/hashicorp/hcl/v2"
)

func init() {
	Register(Kind{
		Name: "datacenter_fire",
		Doc:  "A fire destroys a datacenter with every volume in it (backups included), may spread to neighbours, and the rest of the site is powered off while the fire is fought. Modeled on OVHcloud SBG2, 10 March 2021.",
		Attributes: []Attribute{
			atAttr,
			{Name: "datacenter", Required: true, Doc: "the datacenter that burns (destroyed)"},
			{Name: "spreads_to", Doc: "datacenters also destroyed, e.g. [datacenter.sbg1]"},
			{Name: "site_outage", Doc: `how long every other datacenter on the burned site(s) is powered off, data intact ("72h"); unset means none`},
		},
		Decode: decodeFire,
	})
}

type fire struct {
	base
	destroyed  []string
	siteOthers []string
	outage     time.Duration
}

func decodeFire(name string, body hcl.Body, s *Scope) (Fault, hcl.Diagnostics) {
	b, a := decodeBase("datacenter_fire", name, body, s, []Attribute{{Name: "datacenter", Required: true}, {Name: "spreads_to"}, {Name: "site_outage"}})
	f := &fire{base: b}
	dc := a.Ref("datacenter", "datacenter")
	spreads := a.Refs("spreads_to", "datacenter")
	f.outage = a.Duration("site_outage", 0)
	positive(a, "site_outage", f.outage)
	if dc != "" {
		f.destroyed = append(f.destroyed, dc)
	}
	for _, sp := range spreads {
		if sp == dc {
			a.Errorf("spreads_to", "Fire spreads to itself", "spreads_to lists %s, the datacenter that is already burning.", sp)
			continue
		}
		f.destroyed = append(f.destroyed, sp)
	}
	sites := map[string]bool{}
	gone := map[string]bool{}
	for _, d := range f.destroyed {
		sites[s.Datacenter(d).Site] = true
		gone[d] = true
	}
	f.siteOthers = s.DatacentersWhere(func(d DatacenterInfo) bool { return sites[d.Site] && !gone[d.Name] })
	return f, a.Diags()
}

func (f *fire) Effects(at time.Duration) []Effect {
	out := []Effect{{Fault: f.id(), Action: Destroy, At: at, Datacenters: f.destroyed}}
	if f.outage > 0 && len(f.siteOthers) > 0 {
		out = append(out, Effect{Fault: f.id(), Action: PowerOff, At: at, For: f.outage, Datacenters: f.siteOthers})
	}
	return out
}
