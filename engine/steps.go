package engine

import (
	"time"

	"github.com/firedrill/firedrill/faults"
)

// StepKind names a recovery step, the same on every driver.
type StepKind string

// Recovery steps. A restore may come in two parts: the real pg_restore of
// the stack's small dump (measured) and the rest of data_size /
// restore_rate (modeled); both are StepRestore, told apart by Basis.
const (
	StepDetection    StepKind = "detection"
	StepOperator     StepKind = "operator_response"
	StepProvisioning StepKind = "provisioning"
	StepPromotion    StepKind = "promotion"
	StepRestore      StepKind = "restore"
	StepRestart      StepKind = "restart"
	StepPowerBack    StepKind = "power_back"
	// StepCatchUp is from the database being back to users being served
	// again: the app tier finding the new primary, the load balancer's
	// health checks.
	StepCatchUp StepKind = "catch_up"
	// StepDrain is from the end of an overload to users being served
	// again: the backlog the load left, worked through.
	StepDrain StepKind = "drain"
)

// Step is one recovery step as it ran: it ended at End and took Took.
type Step struct {
	Kind  StepKind
	Basis Basis
	End   time.Duration
	Took  time.Duration
}

// SpanServed counts the requests users made and those served within one
// fault's span.
type SpanServed struct {
	Fault               string
	Span                Span
	Demanded, Delivered float64
}

// Share is Delivered / Demanded, 1 when nothing was demanded.
func (s SpanServed) Share() float64 { return servedRatio(s.Demanded, s.Delivered) }

// Mechanisms are what a driver's real mechanisms were measured to do, in
// the experiment's units. A zero field was not measured.
type Mechanisms struct {
	// ReplicationLag is how far the standby trailed the primary, as the
	// primary saw it (the largest replay lag sampled before the faults).
	ReplicationLag time.Duration
	// LagSampled says ReplicationLag was measured (it may be 0).
	LagSampled bool
	// RestoreBytes and RestoreTook are the real dump restored and how long
	// that took.
	RestoreBytes float64
	RestoreTook  time.Duration
	// CapacityRPS is the requests per second the real stack served within
	// its SLO, AppServers how many app servers served them, and Scale how
	// many real-world users one of the stack's users stands for.
	CapacityRPS float64
	AppServers  int
	Scale       int
}

// FaultSpans are the spans over which each fault acts: from its first
// effect to the end of its last. A fault none of whose effects has an end
// (a crash, a fire with no site outage) is left out: it has no span of its
// own. Drivers count the share served over these spans so that the two
// drivers are compared over the same time.
func FaultSpans(p *Plan) []FaultSpan {
	var out []FaultSpan
	for _, sf := range p.Faults {
		id := faults.ID(sf.Fault)
		sp, found := Span{}, false
		for _, e := range p.Effects {
			if e.Fault != id {
				continue
			}
			if !found {
				sp, found = Span{Start: e.At, End: e.At}, true
			}
			sp.Start = min(sp.Start, e.At)
			sp.End = max(sp.End, e.End())
		}
		sp.End = min(sp.End, p.Experiment.Duration)
		if found && sp.End > sp.Start {
			out = append(out, FaultSpan{Fault: id, Span: sp})
		}
	}
	return out
}

// FaultSpan is one fault's span.
type FaultSpan struct {
	Fault string
	Span  Span
}
