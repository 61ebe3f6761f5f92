package reports

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Fit returns w fitted to a terminal cols characters wide: the table format
// then keeps every line within cols; other formats, and cols <= 0 (not a
// terminal), leave w as it is.
func Fit(w Writer, cols int) Writer {
	if _, ok := w.(tableWriter); ok && cols > 0 {
		return tableWriter{width: max(cols, minWidth)}
	}
	return w
}

// minWidth is the narrowest layout attempted: below it, labels and values
// cannot share a line.
const minWidth = 40

// tableData is a table before it is drawn, so that it can be drawn again
// narrower when it does not fit.
type tableData struct {
	head []string
	rows [][]string
	// title are the columns that name a row ("Region", or "Region" and
	// "Hosting"): the title of its record in the expanded layout.
	title []int
	// names replaces headings in the expanded layout, where a column
	// headed "" in the table needs a label.
	names map[int]string
	// below are columns that move under the table, as a list, when the
	// table is too wide with them (long lists such as "Hit by").
	below []int
}

// writeTable draws t whole when width is 0 or when it fits in width.
// Otherwise it tries the table without its movable columns, listed under
// it; when that is still too wide, it writes one record a row, a label and
// a value a line, as psql's expanded display does, wrapping values at
// width.
func writeTable(w io.Writer, width int, t tableData) error {
	full, err := drawTable(t.head, t.rows)
	if err != nil {
		return err
	}
	if width <= 0 || textWidth(full) <= width {
		_, err := w.Write(full)
		return err
	}
	if len(t.below) > 0 {
		head, rows := dropColumns(t.head, t.rows, t.below)
		narrow, err := drawTable(head, rows)
		if err != nil {
			return err
		}
		if textWidth(narrow) <= width {
			var b bytes.Buffer
			b.Write(narrow)
			for _, row := range t.rows {
				b.WriteString(rowTitle(t, row) + ":\n")
				for _, c := range t.below {
					for _, l := range wrapLabelled("  "+t.head[c]+": ", row[c], width, "    ") {
						b.WriteString(l + "\n")
					}
				}
			}
			_, err := w.Write(b.Bytes())
			return err
		}
	}
	_, err = w.Write(expandedTable(t, width))
	return err
}

// drawTable renders a table with ASCII borders in memory.
func drawTable(head []string, rows [][]string) ([]byte, error) {
	var b bytes.Buffer
	tw := newASCIITable(&b)
	tw.Header(head)
	for _, row := range rows {
		if err := tw.Append(row); err != nil {
			return nil, fmt.Errorf("row %s: %w", strings.Join(row[:min(1, len(row))], ""), err)
		}
	}
	if err := tw.Render(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func dropColumns(head []string, rows [][]string, drop []int) ([]string, [][]string) {
	gone := map[int]bool{}
	for _, c := range drop {
		gone[c] = true
	}
	keep := func(in []string) []string {
		var out []string
		for i, s := range in {
			if !gone[i] {
				out = append(out, s)
			}
		}
		return out
	}
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = keep(r)
	}
	return keep(head), out
}

func rowTitle(t tableData, row []string) string {
	var parts []string
	for _, i := range t.title {
		if i < len(row) && row[i] != "" {
			parts = append(parts, row[i])
		}
	}
	return strings.Join(parts, " / ")
}

// expandedTable writes each row as a record headed by its title:
//
//	-[ north-hospitals ]--------------------
//	Hosting      | sync-pair
//	Hit by       | network_partition.paris-cut,
//	             | connection_surge.morning
func expandedTable(t tableData, width int) []byte {
	inTitle := map[int]bool{}
	for _, i := range t.title {
		inTitle[i] = true
	}
	head := append([]string(nil), t.head...)
	for i, n := range t.names {
		head[i] = n
	}
	labelW := 0
	for i, h := range head {
		if !inTitle[i] {
			labelW = max(labelW, utf8.RuneCountInString(h))
		}
	}
	var b bytes.Buffer
	for _, row := range t.rows {
		title := "-[ " + rowTitle(t, row) + " ]"
		b.WriteString(title + strings.Repeat("-", max(0, width-utf8.RuneCountInString(title))) + "\n")
		for i, h := range head {
			if inTitle[i] {
				continue
			}
			label := h + strings.Repeat(" ", labelW-utf8.RuneCountInString(h)) + " | "
			for _, l := range wrapLabelled(label, row[i], width, strings.Repeat(" ", labelW)+" | ") {
				b.WriteString(l + "\n")
			}
		}
	}
	return b.Bytes()
}

// wrapLabelled writes label then text, wrapped at width between words, the
// following lines starting with indent. A word longer than a line is cut.
func wrapLabelled(label, text string, width int, indent string) []string {
	room := width - utf8.RuneCountInString(indent)
	first := width - utf8.RuneCountInString(label)
	var lines []string
	line, avail := label, first
	used := 0
	for _, word := range strings.Fields(text) {
		for {
			n := utf8.RuneCountInString(word)
			sep := 0
			if used > 0 {
				sep = 1
			}
			if used+sep+n <= avail {
				if sep > 0 {
					line += " "
				}
				line += word
				used += sep + n
				break
			}
			if used > 0 {
				lines = append(lines, line)
				line, avail, used = indent, room, 0
				continue
			}
			// a word wider than a whole line: cut it.
			r := []rune(word)
			k := max(1, avail)
			lines = append(lines, line+string(r[:k]))
			line, avail, used = indent, room, 0
			word = string(r[k:])
		}
	}
	return append(lines, strings.TrimRight(line, " "))
}

// wrapText wraps prose at width, between words; width 0 leaves it as is.
func wrapText(text string, width int) string {
	if width <= 0 {
		return text
	}
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if utf8.RuneCountInString(l) <= width {
			out = append(out, l)
			continue
		}
		indent := l[:len(l)-len(strings.TrimLeft(l, " "))]
		out = append(out, wrapLabelled(indent, strings.TrimLeft(l, " "), width, indent+"  ")...)
	}
	return strings.Join(out, "\n")
}

// joinFitting joins parts with sep, starting a new line where the next
// part would pass width (0: one line, as ever).
func joinFitting(parts []string, sep string, width int) string {
	var b strings.Builder
	n := 0
	for i, p := range parts {
		l := utf8.RuneCountInString(p)
		if i > 0 {
			if width > 0 && n+len(sep)+l > width {
				b.WriteString("\n")
				n = 0
			} else {
				b.WriteString(sep)
				n += len(sep)
			}
		}
		b.WriteString(p)
		n += l
	}
	return b.String()
}

// textWidth is the widest line of a text, in characters.
func textWidth(text []byte) int {
	n := 0
	for _, l := range strings.Split(string(text), "\n") {
		n = max(n, utf8.RuneCountInString(l))
	}
	return n
}
