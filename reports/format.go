package reports

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/firedrill/firedrill/engine"
	"github.com/firedrill/firedrill/experiments"
	"github.com/firedrill/firedrill/faults"
)

// Shared text helpers for the table, markdown and junit formats. Names carry
// a prefix or a specific word so they do not clash with html.go, written in
// parallel in the same package.

// fmtDur formats a duration the way experiment files write them.
func fmtDur(d time.Duration) string { return faults.FormatDuration(d) }

// fmtSecs formats a quantile held in seconds as a duration, to the second.
func fmtSecs(s float64) string {
	return fmtDur(time.Duration(math.Round(s)) * time.Second)
}

// wallClock is the moment at offset from the start, in the experiment's own
// time zone, so reports read like the incident's local chronology.
func wallClock(start time.Time, at time.Duration) string {
	return clockAt(start, at).Format(time.RFC3339)
}

// clockAt is the moment at offset from the start, to the nearest second:
// the rule fmtDur applies to the offset, so that "+2d8h16m35s" and its
// wall clock name the same second.
func clockAt(start time.Time, at time.Duration) time.Time {
	return start.Add(at.Round(time.Second))
}

// verdictWord is PASS or FAIL, with the objectives that failed.
func verdictWord(rr *engine.RegionResult) string {
	if rr.Pass {
		return "PASS"
	}
	var failed []string
	for _, v := range rr.Verdicts {
		if !v.Pass {
			failed = append(failed, v.Objective)
		}
	}
	return "FAIL (" + strings.Join(failed, ", ") + ")"
}

// objectivesText lists a region's objectives, e.g. "RTO ≤ 4h, RPO ≤ 24h".
func objectivesText(o experiments.Objectives) string {
	var parts []string
	if o.RTOSet {
		parts = append(parts, "RTO ≤ "+fmtDur(o.RTO))
	}
	if o.RPOSet {
		parts = append(parts, "RPO ≤ "+fmtDur(o.RPO))
	}
	if o.Availability > 0 {
		parts = append(parts, "avail ≥ "+trimNum(o.Availability)+"%")
	}
	if o.LatencyP95 > 0 {
		parts = append(parts, "p95 ≤ "+fmtDur(o.LatencyP95))
	}
	if o.LatencyP99 > 0 {
		parts = append(parts, "p99 ≤ "+fmtDur(o.LatencyP99))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// trimNum prints a float with at most three decimals and no trailing zeros.
func trimNum(f float64) string {
	s := fmt.Sprintf("%.3f", f)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// downtimeText is the downtime, or its spread over trials. A region that
// never came back says so, in words that do not break mid-word.
func downtimeText(rr *engine.RegionResult) string {
	if d := rr.Trials; d != nil {
		if d.N > 0 && d.Unrecovered == d.N {
			return "not recovered in any trial"
		}
		q := d.Downtime
		s := fmtSecs(q.P50) + " / " + fmtSecs(q.P95) + " / " + fmtSecs(q.Max)
		if d.Unrecovered > 0 {
			s += "; not recovered in " + percentText(float64(d.Unrecovered)/float64(d.N)) + " of trials"
		}
		return s
	}
	if !rr.Recovered {
		if endsSlow(rr) {
			// served all along, too slowly: not a downtime to extend.
			return fmtDur(rr.Downtime) + "; slow " + fmtDur(rr.Slow) + ", still at the end"
		}
		return "not recovered (down " + fmtDur(rr.Downtime) + "+)"
	}
	return fmtDur(rr.Downtime)
}

// endsSlow says whether the region's last outage, the one still on at the
// horizon, is a slow one.
func endsSlow(rr *engine.RegionResult) bool {
	n := len(rr.Outages)
	return n > 0 && rr.Outages[n-1].State == engine.StateSlow
}

// recoveryText is how the region's outage ended, or that it had not.
func recoveryText(rr *engine.RegionResult) string {
	if rr.Recovery == engine.RecoveryPending && endsSlow(rr) {
		return "still slow at the end"
	}
	return recoveryWord(rr.Recovery)
}

// lossText is the data-loss window, or its spread over trials; a region
// that lost everything is labelled so, not with a duration.
func lossText(rr *engine.RegionResult) string {
	if d := rr.Trials; d != nil {
		if d.N > 0 && d.AllDataLost == d.N {
			return "all data lost in every trial"
		}
		q := d.DataLoss
		s := fmtSecs(q.P50) + " / " + fmtSecs(q.P95) + " / " + fmtSecs(q.Max)
		if d.AllDataLost > 0 {
			s += "; all data lost in " + percentText(float64(d.AllDataLost)/float64(d.N)) + " of trials"
		}
		return s
	}
	if rr.AllDataLost {
		return "all data lost"
	}
	return fmtDur(rr.DataLoss)
}

// writesText is the number of lost writes, "all" when nothing survived.
func writesText(rr *engine.RegionResult) string {
	if rr.AllDataLost {
		return "all"
	}
	return fmt.Sprint(rr.LostWrites)
}

// hitText lists the faults that hit a region, "-" when none did.
func hitText(rr *engine.RegionResult) string {
	if len(rr.HitBy) == 0 {
		return "-"
	}
	return strings.Join(rr.HitBy, ", ")
}

// summaryLine counts the regions that met every objective.
func summaryLine(regions []engine.RegionResult, noun string) string {
	n := 0
	for _, rr := range regions {
		if rr.Pass {
			n++
		}
	}
	return fmt.Sprintf("%d of %d %s met every objective", n, len(regions), noun)
}

// legendLine says where the figures come from: a figure is measured only
// when a real mechanism ran, which the timeline events record.
func legendLine(r *engine.Result, regions []engine.RegionResult) string {
	measured := false
	for _, rr := range regions {
		for _, e := range rr.Timeline {
			if e.Basis == engine.Measured {
				measured = true
			}
		}
	}
	if measured {
		return fmt.Sprintf("Figures from the %s driver: timeline steps marked measured ran for real, the rest are modeled.", r.Driver)
	}
	return fmt.Sprintf("Figures from the %s driver are modeled (simulated), not measured.", r.Driver)
}

// sortedRows orders comparison rows by region then rank.
func sortedRows(c *engine.Comparison) []engine.Row {
	rows := append([]engine.Row(nil), c.Rows...)
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Region != rows[j].Region {
			return rows[i].Region < rows[j].Region
		}
		return rows[i].Rank < rows[j].Rank
	})
	return rows
}

// sortedFaults orders faults by their time in the first trial, then by ID,
// so that a report reads as a chronology whatever the file's order.
func sortedFaults(fs []engine.Scheduled) []engine.Scheduled {
	out := append([]engine.Scheduled(nil), fs...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].At != out[j].At {
			return out[i].At < out[j].At
		}
		return faultID(out[i]) < faultID(out[j])
	})
	return out
}

// faultWhen is when a fault starts: its drawn range with several trials
// (trial 1's draw in brackets), else its time.
func faultWhen(f engine.Scheduled, trials int) string {
	if f.Fault != nil && trials > 1 {
		if lo, hi := f.Fault.Window(); hi > lo {
			return fmt.Sprintf("+%s to +%s, drawn per trial (trial 1: +%s)", fmtDur(lo), fmtDur(hi), fmtDur(f.At))
		}
	}
	return "+" + fmtDur(f.At)
}

// faultsHeading introduces the list of faults.
func faultsHeading(trials int) string {
	if trials > 1 {
		return fmt.Sprintf("Faults (a fault given a range starts at a time drawn per trial; %d trials)", trials)
	}
	return "Faults"
}

// recoveryWord says how a region came back, in words.
func recoveryWord(r engine.Recovery) string {
	switch r {
	case engine.RecoveryNone, "":
		return "not needed"
	case engine.RecoveryFailover:
		return "failover to the standby"
	case engine.RecoveryRestore:
		return "restore from a backup"
	case engine.RecoveryPowerBack:
		return "power came back"
	case engine.RecoveryRestart:
		return "process restarted"
	case engine.RecoveryLoadSubsided:
		return "load subsided"
	case engine.RecoveryNetwork:
		return "network healed"
	case engine.RecoveryUnrecoverable:
		return "unrecoverable"
	case engine.RecoveryPending:
		return "still down at the end"
	}
	return strings.ReplaceAll(string(r), "_", " ")
}

// eventWord is an event kind in words: "failover_done" reads "failover done".
func eventWord(k engine.EventKind) string { return strings.ReplaceAll(string(k), "_", " ") }

// stateWord says what an incident's state means for users.
func stateWord(s engine.State) string {
	switch s {
	case engine.StateDegraded:
		return "degraded: access temporarily restricted, the admitted are served"
	case engine.StateSlow:
		return "slow: served, but over the latency objective"
	}
	return "down"
}

// percentText is a share 0..1 as a percentage with up to two decimals.
func percentText(f float64) string {
	return trimTwo(100*f) + "%"
}

func trimTwo(f float64) string {
	s := strings.TrimRight(fmt.Sprintf("%.2f", f), "0")
	return strings.TrimSuffix(s, ".")
}

// shareText is k of n trials, e.g. "12/200 (6%)".
func shareText(k, n int) string {
	if n <= 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d (%s%%)", k, n, trimTwo(100*float64(k)/float64(n)))
}

// availText is the availability, with trials its p95 (the worst 5%).
func availText(rr *engine.RegionResult) string { return engine.FormatAvailability(rr.Availability) }

// servedText is the share of requests served, always with two decimals so
// that a column of them lines up ("93.70%", "100.00%"), and never rounded
// up to 100.00% when a request went unserved.
func servedText(rr *engine.RegionResult) string { return servedShare(rr.ServedRatio) }

func servedShare(f float64) string {
	s := fmt.Sprintf("%.2f%%", 100*f)
	if f < 1 && s == "100.00%" {
		return "99.99%"
	}
	return s
}

// columnLabels are the figure columns' names: with trials they say which
// percentile they show.
type columnLabels struct{ Down, Loss, Lost, Avail, Served string }

func labels(trials int) columnLabels {
	if trials > 1 {
		return columnLabels{"Downtime p50/p95/max", "Data loss p50/p95/max", "Lost writes p95", "Availability p95", "Served p95"}
	}
	return columnLabels{"Downtime", "Data loss", "Lost writes", "Availability", "Served"}
}

// slaInfo is a provider's advertised availability against what the
// hosting achieved in the experiment.
type slaInfo struct {
	Provider   string
	Advertised float64 // percent
	Achieved   float64 // percent; the p95 with trials
	Below      bool    // the experiment achieved less than advertised
}

// slaOf finds the SLA of the provider of a region's primary datacenter,
// when it declares one.
func slaOf(r *engine.Result, rr *engine.RegionResult) (slaInfo, bool) {
	if r.Setup == nil {
		return slaInfo{}, false
	}
	h := r.Setup.Hosting(rr.Hosting)
	if h == nil || h.Primary == nil || h.Primary.Provider == nil || h.Primary.Provider.AvailabilitySLA <= 0 {
		return slaInfo{}, false
	}
	p := h.Primary.Provider
	return slaInfo{Provider: p.Name, Advertised: p.AvailabilitySLA, Achieved: rr.Availability, Below: rr.Availability < p.AvailabilitySLA}, true
}

// cheapestLine singles out the cheapest offer that meets every objective.
func cheapestLine(c *engine.Comparison) string {
	if h, cost, ok := c.CheapestPassing(); ok {
		return fmt.Sprintf("Cheapest offer that meets every objective of every region: %s (%s a month).", h, trimNum(cost))
	}
	return "No offer meets every objective of every region."
}
