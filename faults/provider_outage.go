package faults

import (
	"github.com/hashicorp/hcl/v2"
)

func init() {
	Register(Kind{
		Name: "provider_outage",
		Doc:  "Every datacenter of a provider goes down at once (a control-plane or backbone failure), data intact, for the duration.",
		Attributes: []Attribute{
			atAttr, everyAttr,
			{Name: "provider", Required: true, Doc: "the provider, e.g. provider.ovhcloud; with every, a list, each on its own"},
			{Name: "duration", Required: true, Doc: `how long until service is back ("4h", or a range drawn per occurrence)`},
		},
		Decode: decodeProviderOutage,
	})
}

type providerOutage struct {
	base
	targets [][]string // per provider, its datacenters
	dur     Range
}

func decodeProviderOutage(name string, body hcl.Body, s *Scope) (Fault, hcl.Diagnostics) {
	b, a := decodeBase("provider_outage", name, body, s, []Attribute{{Name: "provider", Required: true}, {Name: "duration", Required: true}})
	p := &providerOutage{dur: a.DurationRange("duration", 0)}
	positiveRange(a, "duration", p.dur)
	prs := a.RefOrRefs("provider", "provider")
	several(a, &b, "provider", len(prs))
	for _, pr := range prs {
		dcs := s.DatacentersWhere(func(d DatacenterInfo) bool { return d.Provider == pr })
		if len(dcs) == 0 {
			a.Errorf("provider", "Provider without datacenters", "No datacenter belongs to provider %s, so this outage would do nothing.", pr)
		}
		p.targets = append(p.targets, dcs)
	}
	p.base = b
	return p, a.Diags()
}

func (p *providerOutage) Effects(o Occurrence) []Effect {
	if o.Target >= len(p.targets) {
		return nil
	}
	return []Effect{{Fault: p.id(), Action: PowerOff, At: o.At, For: o.Pick(p.dur), Datacenters: p.targets[o.Target]}}
}
