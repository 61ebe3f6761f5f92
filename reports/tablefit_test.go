package reports

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/firedrill/firedrill/drivers/model"
	"github.com/firedrill/firedrill/engine"
)

// hospitalTable renders the hospital group's run (2 regions, 4 faults)
// with the table format at a width (0: not a terminal).
func hospitalTable(t *testing.T, width int) string {
	t.Helper()
	res, err := engine.Run(context.Background(), loadExperiment(t, "testdata/experiments/hospital.hcl"), model.New(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Fit(tableWriter{}, width).WriteRun(&b, res); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestTableFitsTerminal: on a terminal, every line of the table report
// fits the terminal's width; elsewhere the table is drawn whole. The
// hospital group's table is 282 characters wide whole (its "Hit by" cell
// alone lists four fault IDs, 102 characters); without "Hit by" and
// "Objectives" it is 140, so at 200 columns those two move under the
// table, and at 120 or 80 each region becomes a record of labelled lines.
func TestTableFitsTerminal(t *testing.T) {
	whole := hospitalTable(t, 0)
	if w := textWidth([]byte(whole)); w != 282 {
		t.Errorf("not a terminal: the table is %d characters wide, want the whole 282", w)
	}
	for _, c := range []struct {
		width int
		want  []string
	}{
		{200, []string{"| north-hospitals | sync-pair    | 2h1m     |", "  Hit by: network_partition.paris-cut, connection_surge.morning, datacenter_fire.lyon1, power_outage.paris-power"}},
		{120, []string{"-[ north-hospitals ]---", "Hit by       | network_partition.paris-cut, connection_surge.morning, datacenter_fire.lyon1,"}},
		{80, []string{"-[ north-hospitals ]---", "Hit by       | network_partition.paris-cut, connection_surge.morning,\n             | datacenter_fire.lyon1, power_outage.paris-power",
			"Served       | 97.26%", "| acme     | 99.9% | north-hospitals | sync-pair    | 97.164%  | BELOW SLA |"}},
		// 40 columns leave 25 for a value: a 28-character fault ID is cut.
		{40, []string{"Hit by       | network_partition.paris-c\n             | ut,"}},
	} {
		t.Run(fmt.Sprint(c.width), func(t *testing.T) {
			out := hospitalTable(t, c.width)
			for i, l := range strings.Split(out, "\n") {
				if n := utf8.RuneCountInString(l); n > c.width {
					t.Errorf("line %d is %d wide, over %d: %s", i+1, n, c.width, l)
				}
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("missing %q in:\n%s", w, out)
				}
			}
		})
	}
}

// TestFitOnlyTables: Fit narrows the table format only; JSON, Markdown,
// JUnit and HTML are not for a terminal's width.
func TestFitOnlyTables(t *testing.T) {
	for _, name := range []string{"json", "markdown", "junit", "html"} {
		w, _ := ByName(name)
		if Fit(w, 80) != w {
			t.Errorf("%s: Fit changed the writer", name)
		}
	}
	if Fit(tableWriter{}, 0) != (tableWriter{}) {
		t.Error("width 0 (not a terminal) must draw whole tables")
	}
}
