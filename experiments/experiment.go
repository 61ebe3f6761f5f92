// Package experiments owns the firedrill experiment language: it decodes HCL
// experiment files into a validated Experiment that the engine runs. The
// engine never sees HCL; it sees the plain structs in this file.
package experiments

import (
	"time"

	"github.com/firedrill/firedrill/faults"
)

// Experiment is a validated experiment: a topology of providers and
// datacenters, hosting choices, the regions that use them, and timed faults.
type Experiment struct {
	Name        string
	Description string
	File        string    // the file it was decoded from, for reports
	Start       time.Time // wall-clock origin of the horizon
	Duration    time.Duration
	Seed        int64
	// TimeScale is how many experiment seconds one wall-clock second stands for
	// on drivers that run in real time (containers). 1 means real time.
	TimeScale float64
	// Scale is how many real users one virtual user stands for on drivers that
	// generate real load (containers).
	Scale int
	// Currency names the unit of monthly_cost, downtime_cost and
	// lost_write_cost in reports ("EUR"); empty when the file does not say.
	Currency string

	Providers   []*Provider
	Datacenters []*Datacenter
	Hostings    []*Hosting
	Workloads   []*Workload
	Regions     []*Region
	Faults      []faults.Fault
}

// Provider is a hosting company.
type Provider struct {
	Name            string
	AvailabilitySLA float64 // percent, as the provider advertises it
}

// Datacenter is a building of a provider on a site. Datacenters on the same
// site share fate in site-wide faults.
type Datacenter struct {
	Name     string
	Provider *Provider
	Site     string
}

// Replication is how a hosting keeps its standby up to date.
type Replication string

// Replication modes.
const (
	ReplicationNone  Replication = "none"
	ReplicationAsync Replication = "async"
	ReplicationSync  Replication = "sync"
)

// SyncFallback is what a synchronous primary does without its standby.
type SyncFallback string

// Sync fallbacks.
const (
	// SyncBlock blocks commits until the standby is back or an operator
	// drops the requirement, like PostgreSQL with one synchronous standby.
	SyncBlock SyncFallback = "block"
	// SyncAsync goes on committing alone, like Patroni's non-strict
	// synchronous mode: writes made meanwhile are on the primary only.
	SyncAsync SyncFallback = "async"
)

// Failover says whether promoting the standby needs a human.
type Failover string

// Failover modes.
const (
	FailoverAutomatic Failover = "automatic"
	FailoverManual    Failover = "manual"
)

// DDoSProtection is how attack traffic is filtered before the application.
type DDoSProtection string

// DDoS protection levels.
const (
	DDoSNone      DDoSProtection = "none"
	DDoSRateLimit DDoSProtection = "rate_limit"
	DDoSScrubbing DDoSProtection = "scrubbing"
)

// Hosting is one hosting choice: where the database and application run,
// how they are replicated and backed up, and how much load they take.
type Hosting struct {
	Name        string
	Primary     *Datacenter
	Standby     *Datacenter // nil when there is none
	Replication Replication
	// ReplicationLag is how far an async standby trails the primary.
	ReplicationLag time.Duration
	// SyncFallback is what a synchronous primary does when its only standby
	// is lost or cut off: block commits (PostgreSQL) or go on alone.
	SyncFallback SyncFallback
	Failover     Failover
	// Detection is the time from a failure to an alert.
	Detection time.Duration
	// OperatorResponse is the time from an alert to a human acting; only
	// manual failover and restores wait for it.
	OperatorResponse time.Duration
	// Promotion is how long promoting the standby takes.
	Promotion time.Duration
	// Provisioning is how long it takes to get a new database server before a
	// restore can start.
	Provisioning time.Duration
	// RestoreRate is restore throughput in bytes per second.
	RestoreRate float64
	// Restart is how long a crashed process takes to come back.
	Restart time.Duration
	// RestoreTo is where a restore provisions the new primary; nil lets the
	// engine pick a surviving datacenter.
	RestoreTo *Datacenter
	// MaxWait is how long an operator waits for the power to come back to
	// a dark primary, with no standby to promote, before restoring the
	// newest backup that survives elsewhere; 0 waits for ever.
	MaxWait time.Duration

	AppReplicas int
	// ReplicaRPS is how many requests per second one app replica serves.
	ReplicaRPS float64
	// MaxSessions is admission control: at most this many users are let in,
	// the others get a "temporarily restricted" page. 0 means none.
	MaxSessions int
	// QueueTimeout is how long a request may wait at the edge for a free
	// app worker before it is turned away (HAProxy's timeout queue); 0:
	// no bound. Under the users' patience it makes an overloaded app tier
	// shed load instead of collapsing (rules.Sheds).
	QueueTimeout   time.Duration
	DDoSProtection DDoSProtection
	MonthlyCost    float64
	Backups        []Backup
	// Rebuild is how long, after a failover or a restore left the region
	// without its standby, until a new standby replicates in a datacenter
	// that runs.
	Rebuild time.Duration
}

// Backup is one backup schedule and where its copies physically live.
type Backup struct {
	Every time.Duration
	// Offset is the time of day of the first backup (e.g. 02:00).
	Offset time.Duration
	To     *Datacenter
}

// Workload describes how users use a region's service over a day.
type Workload struct {
	Name string
	// PeakConcurrency is the share of users online at the daily peak.
	PeakConcurrency float64
	// WritesPerUserHour is acknowledged writes per online user per hour.
	WritesPerUserHour float64
	// RequestsPerUserMinute is HTTP requests per online user per minute.
	RequestsPerUserMinute float64
	// Profile is the share of the peak online at each time of day, linearly
	// interpolated between points and wrapping at midnight. Sorted by At.
	Profile []ProfilePoint
}

// ProfilePoint is one point of a daily profile.
type ProfilePoint struct {
	At    time.Duration // since midnight
	Level float64       // share of the peak, 0..1 (may exceed 1)
}

// Region is a regional ENT: its users, data, hosting choice and objectives.
type Region struct {
	Name       string
	Users      int
	DataSize   int64 // bytes
	Hosting    *Hosting
	Workload   *Workload
	Objectives Objectives
	// DowntimeCost is what an hour of fault-caused incident costs, and
	// LostWriteCost what one lost acknowledged write costs; Costs says
	// the file gave either, so that reports show costs only then.
	DowntimeCost  float64
	LostWriteCost float64
	Costs         bool
}

// Objectives are what a region or a contract demands. A zero value for a
// field means that objective is not set.
type Objectives struct {
	RTO time.Duration
	RPO time.Duration
	// RPOSet distinguishes rpo = "0s" (no loss allowed) from no objective.
	RPOSet bool
	RTOSet bool
	// Availability is a percentage over the horizon.
	Availability float64
	// SuccessRatio is the share of user requests that must succeed for the
	// service to count as up at a given moment.
	SuccessRatio float64
	// Annual objectives, judged by risk over simulated years:
	// AnnualAvailability is the mean availability over a year (percent),
	// AnnualRTOBreach and AnnualRPOBreach the largest acceptable
	// probabilities (percent of years) of an incident longer than the RTO
	// and of a loss window longer than the RPO. Zero with the Set flag
	// false means not set.
	AnnualAvailability                     float64
	AnnualRTOBreach, AnnualRPOBreach       float64
	AnnualRTOBreachSet, AnnualRPOBreachSet bool
	// LatencyP95 and LatencyP99 bound the 95th and 99th percentiles of
	// response time at every moment: a moment that is served but slower is
	// out of SLO (slow). Zero: no bound.
	LatencyP95, LatencyP99 time.Duration
}

// UserPatience is how long a user waits for a page before giving up, when
// the region's latency objectives do not say longer.
const UserPatience = 2 * time.Second

// Patience is how long a region's users wait for an answer before they
// count a failure: at least least, and twice the region's largest latency
// objective, so that an answer slower than the objective is seen as slow,
// not as a failure.
func (o Objectives) Patience(least time.Duration) time.Duration {
	return max(least, 2*max(o.LatencyP95, o.LatencyP99))
}

// Success is the share of requests that must succeed for a moment to
// count as up: success_ratio, or its default for objectives built without
// the decoder.
func (o Objectives) Success() float64 {
	if o.SuccessRatio <= 0 {
		return DefaultSuccessRatio
	}
	return o.SuccessRatio
}

// Datacenter returns the datacenter with the given name, or nil.
func (e *Experiment) Datacenter(name string) *Datacenter {
	for _, d := range e.Datacenters {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// Hosting returns the hosting with the given name, or nil.
func (e *Experiment) Hosting(name string) *Hosting {
	for _, h := range e.Hostings {
		if h.Name == name {
			return h
		}
	}
	return nil
}

// WithHosting returns a copy of the experiment in which every region uses h.
// compare uses it to run the same scenario against each offer.
func (e *Experiment) WithHosting(h *Hosting) *Experiment {
	c := *e
	c.Regions = make([]*Region, len(e.Regions))
	for i, r := range e.Regions {
		rc := *r
		rc.Hosting = h
		c.Regions[i] = &rc
	}
	return &c
}

// Level is the share of the peak online at a time of day (tod since
// midnight), interpolated linearly between profile points, wrapping at
// midnight.
func (w *Workload) Level(tod time.Duration) float64 {
	p := w.Profile
	if len(p) == 0 {
		return 1
	}
	day := 24 * time.Hour
	for i := range p {
		j := (i + 1) % len(p)
		a, b := p[i].At, p[j].At
		if j == 0 {
			b += day
		}
		t := tod
		if t < a {
			t += day
		}
		if a <= t && t < b {
			if b == a {
				return p[i].Level
			}
			f := float64(t-a) / float64(b-a)
			return p[i].Level + f*(p[j].Level-p[i].Level)
		}
	}
	return p[0].Level
}
