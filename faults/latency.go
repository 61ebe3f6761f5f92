package faults

import (
	"time"

	"github.com/hashicorp/hcl/v2"
)

func init() {
	Register(Kind{
		Name: "latency",
		Doc:  "Extra delay between two groups of datacenters: synchronous replication slows every commit, asynchronous standbys fall further behind.",
		Attributes: append(append([]Attribute{atAttr, everyAttr}, sideAttrs...),
			Attribute{Name: "delay", Required: true, Doc: `added one-way delay ("80ms")`},
			Attribute{Name: "jitter", Doc: `random variation around the delay ("10ms"); default 0`},
			Attribute{Name: "duration", Required: true, Doc: `how long it lasts ("1h", or a range drawn per occurrence)`}),
		Decode: decodeLatency,
	})
}

type latency struct {
	base
	from, to      []string
	delay, jitter time.Duration
	dur           Range
}

func decodeLatency(name string, body hcl.Body, s *Scope) (Fault, hcl.Diagnostics) {
	b, a := decodeBase("latency", name, body, s, sideSchema(Attribute{Name: "delay", Required: true}, Attribute{Name: "jitter"}, Attribute{Name: "duration", Required: true}))
	l := &latency{base: b, delay: a.Duration("delay", 0), jitter: a.Duration("jitter", 0), dur: a.DurationRange("duration", 0)}
	positive(a, "delay", l.delay)
	positiveRange(a, "duration", l.dur)
	if l.jitter > l.delay {
		a.Errorf("jitter", "Jitter larger than delay", "jitter (%s) cannot exceed delay (%s): delays would go negative.", FormatDuration(l.jitter), FormatDuration(l.delay))
	}
	l.from, l.to = sides(a, s)
	return l, a.Diags()
}

func (l *latency) Effects(o Occurrence) []Effect {
	return []Effect{{Fault: l.id(), Action: Latency, At: o.At, For: o.Pick(l.dur), Datacenters: l.from, Peers: l.to, Delay: l.delay, Jitter: l.jitter}}
}
