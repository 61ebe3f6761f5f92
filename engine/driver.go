package engine

import (
	"context"
	"time"

	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/faults"
)

// Driver carries out one trial of an experiment and reports what it
// observed. The model driver simulates; the containers driver runs real
// stacks. Both report the same Observation, and the engine turns it into
// figures and verdicts, so that a number means the same thing on both.
type Driver interface {
	Name() string
	Run(ctx context.Context, p *Plan) (*Observation, error)
}

// Plan is one trial: the experiment with every fault's start time drawn.
type Plan struct {
	Experiment *experiments.Experiment
	Trial      int
	// Seed is this trial's own seed, derived from the experiment's.
	Seed int64
	// Faults are the experiment's faults with their drawn start times, in
	// the order of the file.
	Faults []Scheduled
	// Effects are every fault's primitive effects, sorted by At.
	Effects []faults.Effect
	// Detail asks the driver for a full timeline and service series; it is
	// false for the bulk of a many-trial run, where only figures are kept.
	Detail bool
}

// Scheduled is one occurrence of a fault, as drawn for this trial: a timed
// fault once, a frequency fault as many times as its draw gave.
type Scheduled struct {
	Fault  faults.Fault
	At     time.Duration
	Target int // which of the fault's targets, for faults with several
	// Effects are what this occurrence does, its range attributes drawn.
	Effects []faults.Effect
}

// Observation is what a driver saw during one trial.
type Observation struct {
	Regions []RegionObservation
	// Notes are driver remarks printed under reports, such as the scale of
	// generated load.
	Notes []string
}

// Basis says whether a figure comes from a simulation or a compressed human
// delay (modeled) or from a real mechanism that ran (measured).
type Basis string

// Bases.
const (
	Modeled  Basis = "modeled"
	Measured Basis = "measured"
)

// Recovery names the path a region took back to service.
type Recovery string

// Recovery paths.
const (
	RecoveryNone          Recovery = "none"     // never went down
	RecoveryFailover      Recovery = "failover" // promoted its standby
	RecoveryRestore       Recovery = "restore"  // restored a backup into a new primary
	RecoveryPowerBack     Recovery = "power_back"
	RecoveryRestart       Recovery = "restart" // a crashed process came back
	RecoveryLoadSubsided  Recovery = "load_subsided"
	RecoveryNetwork       Recovery = "network" // a partition or latency ended
	RecoveryUnrecoverable Recovery = "unrecoverable"
	RecoveryPending       Recovery = "pending" // still down at the end of the horizon
)

// RegionObservation is one region's raw observations during a trial.
type RegionObservation struct {
	Region  string
	Hosting string
	// HitBy lists the IDs of faults whose effects touched the region.
	HitBy []string
	// Outages are the spans during which the service was out of its SLO
	// (success ratio under the objective), sorted and disjoint. An outage
	// that lasts to the end of the horizon ends at the horizon.
	Outages  []Outage
	Recovery Recovery
	// AckedWrites and LostWrites count acknowledged writes over the horizon
	// and those missing after recovery. Fractional on the model driver,
	// which integrates rates.
	AckedWrites float64
	LostWrites  float64
	// Losses are the acknowledged writes lost at each failure that lost
	// any, in order of the failure.
	Losses []Loss
	// AllDataLost says that no copy survived: the database is gone.
	AllDataLost bool
	// UnackedApplied counts writes that failed for the client but were found
	// anyway (containers only); they are not losses.
	UnackedApplied float64
	// UserHoursLost is the sum over time of users who tried and failed.
	UserHoursLost float64
	// Demanded and Delivered count the requests users made over the horizon
	// and those served; Delivered/Demanded is the served ratio. Zero
	// Demanded means the driver did not count them.
	Demanded, Delivered float64
	// Served is the success ratio over time, for charts; only with Detail.
	Served   []Sample
	Timeline []Event
	// Phases holds latency and error figures per phase (containers only).
	Phases []Phase
	// P95 and P99 are the worst 95th and 99th percentiles of response time
	// over the moments that were not down (nothing answered then); zero
	// when the driver has no response time or nothing was answered.
	P95, P99 time.Duration
	// Steps are the recovery steps taken, in order, with how long each
	// took and whether that was measured or modeled: calibrate compares
	// them step by step.
	Steps []Step
	// FaultServed is the share of requests served within each fault's
	// span (FaultSpans), so that both drivers are read over the same span.
	FaultServed []SpanServed
	// Mechanisms are the figures the real mechanisms showed (containers
	// only), against which the hosting's assumed values can be set.
	Mechanisms *Mechanisms
}

// Outage is a span out of SLO with what the driver knows of it.
type Outage struct {
	Span
	// State is down when almost nothing is served, degraded when admission
	// control serves the admitted and turns the rest away, slow when enough
	// is served but the response time misses latency_p95 or latency_p99.
	State State
	// Cause lists the IDs of the faults that brought it about; empty when no
	// fault did (demand above capacity on an ordinary day).
	Cause []string
	// Recovery is how it ended.
	Recovery Recovery
	// Demanded and Delivered count requests during the span.
	Demanded, Delivered float64
}

// State is how bad an outage is.
type State string

// Outage states, from the mildest.
const (
	StateSlow     State = "slow"
	StateDegraded State = "degraded"
	StateDown     State = "down"
)

// Worse says whether a is worse than b: down, then degraded, then slow.
func (a State) Worse(b State) bool { return a.rank() > b.rank() }

func (a State) rank() int {
	switch a {
	case StateSlow:
		return 1
	case StateDegraded:
		return 2
	case StateDown:
		return 3
	}
	return 0
}

// Loss is what one failure lost: acknowledged writes from Start (the oldest
// lost) to End (the newest, the failure itself).
type Loss struct {
	Span
	Writes float64
	// AllData says no copy survived this failure.
	AllData bool
	Fault   string // the fault ID that caused it
}

// Span is a time interval, as offsets from the start of the experiment.
type Span struct {
	Start, End time.Duration
}

// Len is the span's length.
func (s Span) Len() time.Duration { return s.End - s.Start }

// Sample is the success ratio at a moment.
type Sample struct {
	At      time.Duration
	Success float64 // 0..1
	Demand  float64 // users trying to use the service
	// P95 is the 95th percentile of response time; zero when nothing was
	// answered or the driver does not know it.
	P95 time.Duration
}

// EventKind is what happened.
type EventKind string

// Event kinds.
const (
	EventFault         EventKind = "fault_injected"
	EventFaultEnded    EventKind = "fault_ended"
	EventDown          EventKind = "component_down"
	EventUp            EventKind = "component_up"
	EventDetected      EventKind = "failure_detected"
	EventFailoverStart EventKind = "failover_started"
	EventFailoverDone  EventKind = "failover_done"
	EventRestoreStart  EventKind = "restore_started"
	EventRestoreDone   EventKind = "restore_done"
	EventRebuildStart  EventKind = "standby_rebuild_started"
	EventRebuildDone   EventKind = "standby_rebuilt"
	EventBackup        EventKind = "backup_taken"
	EventBackupSkipped EventKind = "backup_skipped"
	EventBackupLost    EventKind = "backup_lost"
	EventWritesLost    EventKind = "writes_lost"
	EventOutage        EventKind = "service_down"
	EventRestored      EventKind = "service_restored"
	EventUnrecoverable EventKind = "unrecoverable"
	EventOverload      EventKind = "overload"
	EventAdmission     EventKind = "admission_control"
	EventSlow          EventKind = "service_slow"
)

// Event is one line of a region's timeline.
type Event struct {
	At    time.Duration
	Kind  EventKind
	Text  string
	Basis Basis
	Fault string        // the fault ID it relates to, if any
	Took  time.Duration // for events that end a step: how long the step took
	// Primary is the datacenter that holds the region's primary database
	// from this event on, set by the events that move it (failover_done,
	// restore_done): reports draw where the region ended up from it.
	Primary string
}

// Phase holds figures for before, during or after the faults.
type Phase struct {
	Name     string
	Requests int64
	Errors   int64
	P50, P99 time.Duration
	Max      time.Duration
}
