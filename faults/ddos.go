package faults

import (
	"github.com/hashicorp/hcl/v2"
)

func init() {
	Register(Kind{
		Name: "ddos",
		Doc:  "A distributed denial-of-service attack floods the regions' entry points with requests, eating application capacity unless the hosting's ddos_protection filters it (the CNED virtual classes, April 2021).",
		Attributes: []Attribute{
			atAttr, everyAttr,
			{Name: "regions", Required: true, Doc: "the regions attacked"},
			{Name: "requests_per_second", Required: true, Doc: "attack traffic per region, before filtering"},
			{Name: "duration", Required: true, Doc: `how long the attack lasts ("3h", or a range drawn per occurrence)`},
		},
		Decode: decodeDDoS,
	})
}

type ddos struct {
	base
	regions []string
	rps     float64
	dur     Range
}

func decodeDDoS(name string, body hcl.Body, s *Scope) (Fault, hcl.Diagnostics) {
	b, a := decodeBase("ddos", name, body, s, []Attribute{{Name: "regions", Required: true}, {Name: "requests_per_second", Required: true}, {Name: "duration", Required: true}})
	d := &ddos{base: b, regions: a.Refs("regions", "region")}
	requireRegions(a, "regions", d.regions)
	d.rps = a.Number("requests_per_second", 0, 1e-3, 1e12)
	d.dur = a.DurationRange("duration", 0)
	positiveRange(a, "duration", d.dur)
	return d, a.Diags()
}

func (d *ddos) Effects(o Occurrence) []Effect {
	return []Effect{{Fault: d.id(), Action: Flood, At: o.At, For: o.Pick(d.dur), Regions: d.regions, RPS: d.rps}}
}
