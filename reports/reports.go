// Package reports writes engine results in each output format. Every format
// is one file implementing Writer.
package reports

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/firedrill/firedrill/engine"
)

// Writer writes a run's result or a comparison in one format.
type Writer interface {
	WriteRun(w io.Writer, r *engine.Result) error
	// WriteRuns writes the results of several experiments as one document
	// that the format's parsers accept: one JSON object, one JUnit
	// <testsuites>, one HTML page. With one result it writes exactly what
	// WriteRun does.
	WriteRuns(w io.Writer, rs []*engine.Result) error
	WriteComparison(w io.Writer, c *engine.Comparison) error
}

var formats = map[string]Writer{}

// register is called from each format's file.
func register(name string, w Writer) { formats[name] = w }

// ByName returns the writer for a --format value.
func ByName(name string) (Writer, error) {
	if w, ok := formats[name]; ok {
		return w, nil
	}
	return nil, fmt.Errorf("unknown format %q (have %s)", name, strings.Join(Names(), ", "))
}

// Names lists the formats, sorted.
func Names() []string {
	var n []string
	for k := range formats {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}
