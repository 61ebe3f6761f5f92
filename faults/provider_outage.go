package faults

import (
	"time"

	"github.com/hashicorp/hcl/v2"
)

func init() {
	Register(Kind{
		Name: "provider_outage",
		Doc:  "Every datacenter of a provider goes down at once (a control-plane or backbone failure), data intact, for the duration.",
		Attributes: []Attribute{
			atAttr,
			{Name: "provider", Required: true, Doc: "the provider, e.g. provider.ovhcloud"},
			{Name: "duration", Required: true, Doc: `how long until service is back ("4h")`},
		},
		Decode: decodeProviderOutage,
	})
}

type providerOutage struct {
	base
	dcs []string
	dur time.Duration
}

func decodeProviderOutage(name string, body hcl.Body, s *Scope) (Fault, hcl.Diagnostics) {
	b, a := decodeBase("provider_outage", name, body, s, []Attribute{{Name: "provider", Required: true}, {Name: "duration", Required: true}})
	p := &providerOutage{base: b, dur: a.Duration("duration", 0)}
	positive(a, "duration", p.dur)
	if pr := a.Ref("provider", "provider"); pr != "" {
		p.dcs = s.DatacentersWhere(func(d DatacenterInfo) bool { return d.Provider == pr })
		if len(p.dcs) == 0 {
			a.Errorf("provider", "Provider without datacenters", "No datacenter belongs to provider %s, so this outage would do nothing.", pr)
		}
	}
	return p, a.Diags()
}

func (p *providerOutage) Effects(at time.Duration) []Effect {
	return []Effect{{Fault: p.id(), Action: PowerOff, At: at, For: p.dur, Datacenters: p.dcs}}
}
