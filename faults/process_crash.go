package faults

import (
	"github.com/hashicorp/hcl/v2"
)

func init() {
	Register(Kind{
		Name: "process_crash",
		Doc:  "A process crashes in the regions' stacks: app replicas or the primary database. It comes back after the hosting's restart time; committed data survives.",
		Attributes: []Attribute{
			atAttr, everyAttr,
			{Name: "regions", Required: true, Doc: "the regions hit, e.g. [region.grand-est]"},
			{Name: "target", Required: true, Doc: `"app" or "database"`},
			{Name: "replicas", Doc: "for app: how many replicas crash; unset means all"},
		},
		Decode: decodeCrash,
	})
}

type crash struct {
	base
	regions  []string
	target   string
	replicas int
}

func decodeCrash(name string, body hcl.Body, s *Scope) (Fault, hcl.Diagnostics) {
	b, a := decodeBase("process_crash", name, body, s, []Attribute{{Name: "regions", Required: true}, {Name: "target", Required: true}, {Name: "replicas"}})
	c := &crash{base: b, regions: a.Refs("regions", "region"), target: a.String("target", "", "app", "database")}
	requireRegions(a, "regions", c.regions)
	c.replicas = a.Int("replicas", 0, 1, 1e6)
	if a.Has("replicas") && c.target == "database" {
		a.Errorf("replicas", "Replicas of a database", `replicas only applies to target = "app": a region has one primary database.`)
	}
	return c, a.Diags()
}

func (c *crash) Effects(o Occurrence) []Effect {
	return []Effect{{Fault: c.id(), Action: Crash, At: o.At, Regions: c.regions, Target: c.target, Count: c.replicas}}
}
