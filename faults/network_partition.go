package faults

import (
	"github.com/hashicorp/hcl/v2"
)

func init() {
	Register(Kind{
		Name: "network_partition",
		Doc:  "The network between two groups of datacenters is cut: replication stops (synchronous commits block, asynchronous standbys fall behind) and restores across it wait.",
		Attributes: append(append([]Attribute{atAttr, everyAttr}, sideAttrs...),
			Attribute{Name: "duration", Required: true, Doc: `how long the cut lasts ("30m", or a range drawn per occurrence)`}),
		Decode: decodePartition,
	})
}

type partition struct {
	base
	from, to []string
	dur      Range
}

func decodePartition(name string, body hcl.Body, s *Scope) (Fault, hcl.Diagnostics) {
	b, a := decodeBase("network_partition", name, body, s, sideSchema(Attribute{Name: "duration", Required: true}))
	p := &partition{base: b, dur: a.DurationRange("duration", 0)}
	positiveRange(a, "duration", p.dur)
	p.from, p.to = sides(a, s)
	return p, a.Diags()
}

func (p *partition) Effects(o Occurrence) []Effect {
	return []Effect{{Fault: p.id(), Action: Partition, At: o.At, For: o.Pick(p.dur), Datacenters: p.from, Peers: p.to}}
}
