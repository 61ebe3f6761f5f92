package engine

import (
	"context"
	"fmt"
	"sort"

	"github.com/firedrill/firedrill/experiments"
)

// Comparison is the procurement matrix: every region run against every
// hosting offer, ranked within each region.
type Comparison struct {
	Result   // metadata of the run; Regions is empty
	Hostings []string
	Rows     []Row
}

// Row is one region on one hosting offer.
type Row struct {
	RegionResult
	// Rank orders the offers for a region, 1 the best; see RankRule.
	Rank int
}

// RankRule says how Rank is computed, for reports and the README. Cost
// only breaks ties: an offer that meets more objectives, or keeps its data,
// or recovers sooner, ranks above a cheaper one. CheapestPassing answers
// the buyer's other question, the cheapest offer that meets every
// objective.
const RankRule = "Within each region, offers are ranked by: fewer objectives missed; " +
	"then data kept (not all lost); then recovered within the horizon; then shorter downtime; " +
	"then shorter data-loss window; then fewer lost writes; then lower monthly cost, " +
	"which only breaks ties. With --trials, the figures compared are the p95."

// Compare runs the experiment once per hosting, with every region moved to
// that hosting. An empty hostings list means every hosting block.
func Compare(ctx context.Context, exp *experiments.Experiment, drv Driver, hostings []string, opts Options) (*Comparison, error) {
	if len(hostings) == 0 {
		for _, h := range exp.Hostings {
			hostings = append(hostings, h.Name)
		}
	}
	c := &Comparison{Hostings: hostings}
	for _, name := range hostings {
		h := exp.Hosting(name)
		if h == nil {
			return nil, fmt.Errorf("compare: no hosting %q in %s", name, exp.File)
		}
		res, err := Run(ctx, exp.WithHosting(h), drv, opts)
		if err != nil {
			return nil, fmt.Errorf("compare hosting %s: %w", name, err)
		}
		if c.Experiment == "" {
			c.Result = *res
			c.Result.Regions = nil
		}
		for _, rr := range res.Regions {
			c.Rows = append(c.Rows, Row{RegionResult: rr})
		}
	}
	rank(c.Rows)
	return c, nil
}

// Pass reports whether every region has an offer that meets all of its
// objectives, i.e. its rank-1 offer passes. compare exits 1 otherwise.
func (c *Comparison) Pass() bool {
	for _, r := range c.Rows {
		if r.Rank == 1 && !r.Pass {
			return false
		}
	}
	return true
}

// CheapestPassing is the cheapest offer that meets every objective of
// every region compared, and false when no offer does. Offers of equal
// cost go in the order compared.
func (c *Comparison) CheapestPassing() (hosting string, monthlyCost float64, ok bool) {
	passes := map[string]bool{}
	cost := map[string]float64{}
	for _, r := range c.Rows {
		if _, seen := passes[r.Hosting]; !seen {
			passes[r.Hosting] = true
		}
		passes[r.Hosting] = passes[r.Hosting] && r.Pass
		cost[r.Hosting] = r.MonthlyCost
	}
	for _, h := range c.Hostings {
		if p, seen := passes[h]; seen && p && (!ok || cost[h] < monthlyCost) {
			hosting, monthlyCost, ok = h, cost[h], true
		}
	}
	return hosting, monthlyCost, ok
}

// CheapestPassingFor is, for one region, the cheapest offer that meets all
// of its objectives, and false when none does.
func (c *Comparison) CheapestPassingFor(region string) (Row, bool) {
	var best Row
	ok := false
	for _, r := range c.Rows {
		if r.Region == region && r.Pass && (!ok || r.MonthlyCost < best.MonthlyCost) {
			best, ok = r, true
		}
	}
	return best, ok
}

func rank(rows []Row) {
	byRegion := map[string][]*Row{}
	var order []string
	for i := range rows {
		r := &rows[i]
		if _, ok := byRegion[r.Region]; !ok {
			order = append(order, r.Region)
		}
		byRegion[r.Region] = append(byRegion[r.Region], r)
	}
	for _, reg := range order {
		rs := byRegion[reg]
		sort.SliceStable(rs, func(i, j int) bool { return better(rs[i], rs[j]) })
		for i, r := range rs {
			r.Rank = i + 1
		}
	}
	// rows stay grouped by hosting, in the order they were run; reports sort
	// as they need.
}

func better(a, b *Row) bool {
	fa, fb := failed(a), failed(b)
	switch {
	case fa != fb:
		return fa < fb
	case a.AllDataLost != b.AllDataLost:
		return !a.AllDataLost
	case a.Recovered != b.Recovered:
		return a.Recovered
	case a.Downtime != b.Downtime:
		return a.Downtime < b.Downtime
	case a.DataLoss != b.DataLoss:
		return a.DataLoss < b.DataLoss
	case a.LostWrites != b.LostWrites:
		return a.LostWrites < b.LostWrites
	default:
		return a.MonthlyCost < b.MonthlyCost
	}
}

func failed(r *Row) int {
	n := 0
	for _, v := range r.Verdicts {
		if !v.Pass {
			n++
		}
	}
	return n
}
