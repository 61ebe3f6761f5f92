package faults

import (
	"time"

	"github.com/hashicorp/hcl/v2"
)

func init() {
	Register(Kind{
		Name: "connection_surge",
		Doc:  "Far more users than usual connect at once, like every pupil at 9:00 on the first day of the April 2021 lockdown: demand ramps up to multiplier times normal, holds, and ramps back down.",
		Attributes: []Attribute{
			atAttr, everyAttr,
			{Name: "regions", Required: true, Doc: "the regions hit, e.g. [region.grand-est, region.occitanie]"},
			{Name: "multiplier", Required: true, Doc: "peak demand as a multiple of normal demand (> 1)"},
			{Name: "ramp", Doc: `time to reach the peak, and to come back down ("15m"); default 0`},
			{Name: "hold", Required: true, Doc: `how long the peak lasts ("2h")`},
		},
		Decode: decodeSurge,
	})
}

type surge struct {
	base
	regions    []string
	multiplier float64
	ramp, hold time.Duration
}

func decodeSurge(name string, body hcl.Body, s *Scope) (Fault, hcl.Diagnostics) {
	b, a := decodeBase("connection_surge", name, body, s, []Attribute{{Name: "regions", Required: true}, {Name: "multiplier", Required: true}, {Name: "ramp"}, {Name: "hold", Required: true}})
	sg := &surge{base: b, regions: a.Refs("regions", "region")}
	requireRegions(a, "regions", sg.regions)
	sg.multiplier = a.Number("multiplier", 1, 1, 1000)
	sg.ramp = a.Duration("ramp", 0)
	sg.hold = a.Duration("hold", 0)
	positive(a, "hold", sg.hold)
	return sg, a.Diags()
}

func (sg *surge) Effects(o Occurrence) []Effect {
	return []Effect{{Fault: sg.id(), Action: Surge, At: o.At, For: AddDurations(sg.ramp, sg.hold, sg.ramp), Regions: sg.regions,
		Multiplier: sg.multiplier, Ramp: sg.ramp, Hold: sg.hold}}
}
