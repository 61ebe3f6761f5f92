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
	// Rank orders the offers for a region: objectives met first, then
	// shorter downtime, smaller data loss, lower cost.
	Rank int
}

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
