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
	return start.Add(at).Format(time.RFC3339)
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

// downtimeText is the downtime, or its spread over trials.
func downtimeText(rr *engine.RegionResult) string {
	if rr.Trials != nil {
		q := rr.Trials.Downtime
		return fmtSecs(q.P50) + " / " + fmtSecs(q.P95) + " / " + fmtSecs(q.Max)
	}
	if !rr.Recovered {
		return fmtDur(rr.Downtime) + "+ (not recovered)"
	}
	return fmtDur(rr.Downtime)
}

// lossText is the data-loss window, or its spread over trials.
func lossText(rr *engine.RegionResult) string {
	if rr.AllDataLost && rr.Trials == nil {
		return "all data"
	}
	if rr.Trials != nil {
		q := rr.Trials.DataLoss
		s := fmtSecs(q.P50) + " / " + fmtSecs(q.P95) + " / " + fmtSecs(q.Max)
		if rr.AllDataLost {
			s += " (all data lost in some trials)"
		}
		return s
	}
	return fmtDur(rr.DataLoss)
}

// writesText is the number of lost writes, "all data" when nothing survived.
func writesText(rr *engine.RegionResult) string {
	if rr.AllDataLost {
		return "all data"
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
