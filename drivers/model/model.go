// Package model is the embedded simulation driver: a deterministic,
// discrete-event simulation of every region of an experiment at full scale.
//
// Each region is a state machine: a primary database in a datacenter, its
// standby and the replication link between them, backup agents with their
// schedules, and the app tier. The plan's effects reach it at their exact
// times, each acting on the state as it is at that moment; between two
// events the service curve is integrated exactly (Simpson's rule is exact
// on the quadratic demand between profile points), and a crossing of the
// SLO inside a stretch is found by bisection to the millisecond.
//
// The rules, in the order they apply:
//
//   - A primary fails when its datacenter is destroyed or loses its disks
//     (data gone) or is powered off (data intact). A recovery starts: after
//     detection it plans from the state at that moment, and plans again
//     whenever a later event interrupts it.
//   - Failover: a standby that replicates and whose datacenter runs is
//     promoted (after operator_response when failover is manual) and serves
//     after promotion. Asynchronous replication loses the writes of the last
//     replication_lag plus any latency on the link; writes the standby
//     never received (it was down or cut off) are lost too, from that lag
//     before the cut, when they were still in flight. The old
//     primary's datacenter no longer matters to the region.
//   - Restore: when the primary's data is gone and no standby can take
//     over, after operator_response the newest backup that survives is
//     restored into the first datacenter of rules.RestoreCandidates that
//     runs, taking provisioning + data_size / restore_rate. Writes since
//     that backup are lost. If the backup's or the target's datacenter
//     fails meanwhile, the restore starts over from the next best choice. A
//     completed restore is never undone by a later loss of the backups. A
//     restore that would end after the horizon leaves the region not
//     recovered; every derived time saturates (faults.AddDurations,
//     rules.RestoreTime), so that one longer than a Duration does too.
//   - Power: a primary whose datacenter was only powered off comes back
//     restart after the power, unless a failover happened first. With
//     max_wait, at rules.StopWaitingAt the operator restores instead the
//     newest backup readable outside the dark datacenter (if there is one
//     and a datacenter to restore into), losing the writes since it; power
//     back before that restore is done abandons it.
//   - Unrecoverable: with no standby and no surviving backup, every
//     acknowledged write is lost and the region stays down.
//   - Backups (rules.LastBackup) are taken from whoever is primary, and only
//     while there is one that runs, whose datacenter reaches the backup's;
//     a backup that cannot run at its time is skipped, not taken late.
//     Backups scheduled before t0 exist (the workload has run for ever).
//   - Synchronous replication: while the only standby is down or cut off,
//     commits block and reads go on being served; an operator drops the
//     synchronous requirement after detection + operator_response (or at
//     once with sync_fallback = "async"), and from then on writes are on the
//     primary only until the standby catches up. Latency on that link slows
//     commits only: a write holds an app worker for serviceTime plus a
//     round trip, which takes capacity and adds to the writes' response
//     time.
//   - The app tier serves from the primary's datacenter with app_replicas
//     servers; after a failover or a restore it is redeployed with the
//     database, at full size, within the recovery time (its servers are
//     stateless). A crashed app server is back after restart.
//
// Service: demand is users x peak_concurrency x profile x surge users
// (rules.Online, rules.Surge), each making requests_per_user_minute;
// capacity is live servers x replica_rps (rules.Capacity). Admission
// control lets max_sessions users in and serves them; the rest get "access
// temporarily restricted" (a degraded state). Without it, load above
// capacity collapses goodput for everyone to nothing (down): the app
// servers' FIFO queue grows at O - C, and once its wait passes the users'
// patience P every request served is one whose user has left. That onset
// lasts P C / (O - C), seconds (8 s at 1.25 C with P = 2 s), and the model
// does not count it; the containers driver measures it at 1:1. A
// queue_timeout under P bounds the wait instead: the edge turns away what
// waited that long, and the tier serves its capacity, C/O of what each
// sends, every answer after about queue_timeout (rules.Sheds). Attack
// traffic passes ddos_protection (rules.AttackPass) and takes capacity.
// Acknowledged writes are writes_per_user_hour per online user, times the
// share of requests served; none while commits block. A
// loss window that reaches back before t0 loses the writes of those
// ordinary hours too.
//
// The service series for reports (Detail only) is sampled every 5 minutes
// up to 14 days; beyond, at most maxSamples samples, each the mean over its
// step, so that a trial's memory does not grow with the horizon.
//
// Response time (latency.go): each app server is an M/M/c queue of
// replica_rps x serviceTime workers (package queueing); p95 and p99 are its
// waiting quantiles plus the service. Admission control makes the admitted
// users a closed population whose wait stays bounded beyond saturation
// (slow); without it the wait has no bound but the proxy's timeout. A
// moment served enough but slower than latency_p95 or latency_p99 is slow.
package model

import (
	"context"
	"sync"
	"time"

	"github.com/firedrill/firedrill/engine"
)

// Constants of the model, each with its reason.
const (
	// serviceTime is how long a read holds an app worker: a page of a PHP
	// ENT answered in 50 ms at low load. With replica_rps it sets a
	// server's workers (replica_rps x serviceTime), so capacity and the
	// queue that predicts response time are one figure; a synchronous
	// commit across added latency holds its worker longer.
	serviceTime = 50 * time.Millisecond
)

var sims = sync.Pool{New: func() any { return new(sim) }}

// Driver is the model driver. The zero value is ready; it is safe for
// concurrent use.
type Driver struct{}

var _ engine.Driver = (*Driver)(nil)

// New returns a model driver.
func New() *Driver { return &Driver{} }

// Name implements engine.Driver.
func (*Driver) Name() string { return "model" }

// Run implements engine.Driver.
func (*Driver) Run(ctx context.Context, p *engine.Plan) (*engine.Observation, error) {
	w := newWorld(p.Effects)
	obs := &engine.Observation{Regions: make([]engine.RegionObservation, 0, len(p.Experiment.Regions))}
	s := sims.Get().(*sim)
	defer sims.Put(s)
	for i, r := range p.Experiment.Regions {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		s.reset(ctx, p, w, r)
		ro, err := s.run()
		if err != nil {
			return nil, err
		}
		obs.Regions = append(obs.Regions, ro)
	}
	return obs, nil
}
