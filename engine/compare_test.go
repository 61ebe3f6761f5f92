package engine

import (
	"slices"
	"testing"
	"time"
)

// offer builds a comparison row; verdicts only need Pass for failed().
func offer(region, hosting string, cost float64, down time.Duration, missed int) Row {
	r := Row{RegionResult: RegionResult{Region: region, Hosting: hosting, MonthlyCost: cost, Downtime: down, Recovered: true, Pass: missed == 0}}
	for i := range 3 {
		r.Verdicts = append(r.Verdicts, Verdict{Objective: []string{"rto", "rpo", "availability"}[i], Pass: i >= missed})
	}
	return r
}

func TestRankAndChoice(t *testing.T) {
	for _, tc := range []struct {
		name     string
		rows     []Row
		ranks    []int // in the order of rows
		pass     bool
		cheapest string // "" when no offer meets every objective everywhere
		cost     float64
	}{
		{
			// a and b both pass; b's downtime is shorter, so it ranks first
			// although it costs more: cost only breaks ties. c misses one
			// objective and ranks last despite being the cheapest.
			name:  "objectives before downtime before cost",
			rows:  []Row{offer("r", "a", 3100, 2*time.Hour, 0), offer("r", "b", 7900, 2*time.Minute, 0), offer("r", "c", 2600, time.Minute, 1)},
			ranks: []int{2, 1, 3}, pass: true, cheapest: "a", cost: 3100,
		},
		{
			// same figures: the cheaper ranks first.
			name:  "cost breaks ties",
			rows:  []Row{offer("r", "a", 5000, time.Hour, 0), offer("r", "b", 4000, time.Hour, 0)},
			ranks: []int{2, 1}, pass: true, cheapest: "b", cost: 4000,
		},
		{
			// r2's best offer misses an objective: compare fails, and no
			// offer meets every objective in both regions.
			name: "a region without a passing offer",
			rows: []Row{
				offer("r1", "a", 2600, time.Hour, 0), offer("r1", "b", 7900, time.Minute, 0),
				offer("r2", "a", 2600, 50*time.Hour, 2), offer("r2", "b", 7900, 3*time.Hour, 1),
			},
			ranks: []int{2, 1, 2, 1}, pass: false, cheapest: "",
		},
		{
			// each region has a passing offer, but a different one: compare
			// passes, yet only b passes in both regions.
			name: "one offer for every region",
			rows: []Row{
				offer("r1", "a", 2600, time.Hour, 0), offer("r1", "b", 7900, time.Minute, 0),
				offer("r2", "a", 2600, 5*time.Hour, 1), offer("r2", "b", 7900, time.Minute, 0),
			},
			ranks: []int{2, 1, 2, 1}, pass: true, cheapest: "b", cost: 7900,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Comparison{Rows: tc.rows}
			for _, r := range tc.rows {
				if !slices.Contains(c.Hostings, r.Hosting) {
					c.Hostings = append(c.Hostings, r.Hosting)
				}
			}
			rank(c.Rows)
			for i, r := range c.Rows {
				if r.Rank != tc.ranks[i] {
					t.Errorf("%s on %s: rank %d, want %d", r.Region, r.Hosting, r.Rank, tc.ranks[i])
				}
			}
			if got := c.Pass(); got != tc.pass {
				t.Errorf("Pass() = %v, want %v", got, tc.pass)
			}
			h, cost, ok := c.CheapestPassing()
			if h != tc.cheapest || ok != (tc.cheapest != "") || cost != tc.cost {
				t.Errorf("CheapestPassing() = %q %g %v, want %q %g", h, cost, ok, tc.cheapest, tc.cost)
			}
		})
	}
}

func TestCheapestPassingFor(t *testing.T) {
	c := &Comparison{Hostings: []string{"a", "b", "c"}, Rows: []Row{
		offer("r", "a", 2600, time.Hour, 1), offer("r", "b", 7900, time.Minute, 0), offer("r", "c", 4300, time.Hour, 0),
	}}
	// a is cheapest but misses an objective; of b and c, c is cheaper.
	if r, ok := c.CheapestPassingFor("r"); !ok || r.Hosting != "c" {
		t.Errorf("got %q %v, want c", r.Hosting, ok)
	}
	if _, ok := c.CheapestPassingFor("elsewhere"); ok {
		t.Error("a region not compared has a cheapest offer")
	}
}
