package faults

import (
	"github.com/hashicorp/hcl/v2"
)

func init() {
	Register(Kind{
		Name: "datacenter_fire",
		Doc:  "A fire destroys a datacenter with every volume in it (backups included), may spread to neighbours, and the rest of the site is powered off while the fire is fought. Modeled on OVHcloud SBG2, 10 March 2021.",
		Attributes: []Attribute{
			atAttr, everyAttr,
			{Name: "datacenter", Required: true, Doc: "the datacenter that burns (destroyed); with every, a list burns each on its own"},
			{Name: "spreads_to", Doc: "datacenters also destroyed, e.g. [datacenter.sbg1]"},
			{Name: "site_outage", Doc: `how long every other datacenter on the burned site(s) is powered off, data intact ("72h", or a range ["1d", "14d"] drawn per occurrence); unset means none`},
		},
		Decode: decodeFire,
	})
}

type fire struct {
	base
	// per target: what burns, and the rest of its site(s).
	burns []fireTarget
	// outage is how long the rest of the site stays dark.
	outage Range
}

type fireTarget struct {
	destroyed, siteOthers []string
}

func decodeFire(name string, body hcl.Body, s *Scope) (Fault, hcl.Diagnostics) {
	b, a := decodeBase("datacenter_fire", name, body, s, []Attribute{{Name: "datacenter", Required: true}, {Name: "spreads_to"}, {Name: "site_outage"}})
	dcs := a.RefOrRefs("datacenter", "datacenter")
	several(a, &b, "datacenter", len(dcs))
	f := &fire{base: b}
	spreads := a.Refs("spreads_to", "datacenter")
	if len(dcs) > 1 && len(spreads) > 0 {
		a.Errorf("spreads_to", "Spreading from several targets", "spreads_to names neighbours of one datacenter; with several targets, write one block per datacenter that spreads.")
		spreads = nil
	}
	f.outage = a.DurationRange("site_outage", 0)
	positiveRange(a, "site_outage", f.outage)
	for _, dc := range dcs {
		t := fireTarget{destroyed: []string{dc}}
		for _, sp := range spreads {
			if sp == dc {
				a.Errorf("spreads_to", "Fire spreads to itself", "spreads_to lists %s, the datacenter that is already burning.", sp)
				continue
			}
			t.destroyed = append(t.destroyed, sp)
		}
		sites := map[string]bool{}
		gone := map[string]bool{}
		for _, d := range t.destroyed {
			sites[s.Datacenter(d).Site] = true
			gone[d] = true
		}
		t.siteOthers = s.DatacentersWhere(func(d DatacenterInfo) bool { return sites[d.Site] && !gone[d.Name] })
		f.burns = append(f.burns, t)
	}
	f.base = b
	return f, a.Diags()
}

func (f *fire) Effects(o Occurrence) []Effect {
	if o.Target >= len(f.burns) {
		return nil
	}
	t := f.burns[o.Target]
	out := []Effect{{Fault: f.id(), Action: Destroy, At: o.At, Datacenters: t.destroyed}}
	if d := o.Pick(f.outage); d > 0 && len(t.siteOthers) > 0 {
		out = append(out, Effect{Fault: f.id(), Action: PowerOff, At: o.At, For: d, Datacenters: t.siteOthers})
	}
	return out
}
