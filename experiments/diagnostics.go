package experiments

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Limits on experiment files. Within them a file decodes in bounded time,
// memory and stack: the HCL parser and evaluator recurse once per level of
// nesting and per chained operator, and a Go stack overflow is a crash that
// no recover() catches, so the bounds are checked before parsing.
const (
	// MaxFileSize is the largest experiment file read: about 8,000 regions,
	// hundreds of times what a national experiment needs, and decoded in
	// about a second.
	MaxFileSize = 1 << 20
	// MaxNesting bounds brackets, braces, parentheses, quoted strings,
	// heredocs and template interpolations open at once.
	MaxNesting = 64
	// MaxOperators bounds the operators chained at one level of one
	// expression (1 + 1 + ..., !!...x): each is one level of recursion.
	MaxOperators = 256
	// MaxForNesting bounds for expressions inside for expressions: each
	// level multiplies the values built.
	MaxForNesting = 2
	// MaxShownErrors is how many errors WriteDiagnostics prints before it
	// sums up the rest in one line.
	MaxShownErrors = 20
)

// WriteDiagnostics prints diagnostics the way Terraform does: severity,
// summary, file:line:column, a source snippet with the range underlined, and
// the detail. Sources are re-read from disk, so it works for any file a
// diagnostic names. At most MaxShownErrors errors are printed, then one line
// says how many more there are; control characters in the source or the
// messages are printed as '?', so that a binary file cannot write raw bytes
// to a terminal or a CI log.
func WriteDiagnostics(w io.Writer, diags hcl.Diagnostics, width uint, color bool) error {
	return WriteDiagnosticsWith(w, diags, nil, width, color)
}

// WriteDiagnosticsWith is WriteDiagnostics with the sources of files that
// are not on disk (standard input), by file name.
func WriteDiagnosticsWith(w io.Writer, diags hcl.Diagnostics, sources map[string][]byte, width uint, color bool) error {
	files := map[string]*hcl.File{}
	raw := map[string][]byte{}
	for _, d := range diags {
		if d.Subject == nil || d.Subject.Filename == "" {
			continue
		}
		name := d.Subject.Filename
		if _, done := files[name]; done {
			continue
		}
		src, ok := sources[name]
		if !ok {
			var err error
			if src, err = readLimited(name); err != nil {
				continue
			}
		}
		files[name] = snippetFile(src, name)
		raw[name] = files[name].Bytes
	}
	if width == 0 {
		width = 78
	}
	dw := hcl.NewDiagnosticTextWriter(w, files, width, color)
	shown, moreErrors, moreWarnings := 0, 0, 0
	for _, d := range diags {
		if shown >= MaxShownErrors {
			if d.Severity == hcl.DiagError {
				moreErrors++
			} else {
				moreWarnings++
			}
			continue
		}
		if d.Severity == hcl.DiagError {
			shown++
		}
		clean := *d
		clean.Summary, clean.Detail = printable(d.Summary), printable(d.Detail)
		// a compiler-style first line, which editors and CI logs link to.
		sev := "error"
		if d.Severity == hcl.DiagWarning {
			sev = "warning"
		}
		if d.Subject != nil {
			fmt.Fprintf(w, "%s:%d:%d: %s: %s\n", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, sev, clean.Summary)
		} else {
			fmt.Fprintf(w, "%s: %s\n", sev, clean.Summary)
		}
		out := dw
		if d.Subject != nil {
			if f, sub, ok := clipSnippet(raw[d.Subject.Filename], *d.Subject, d.Context); ok {
				out = hcl.NewDiagnosticTextWriter(w, map[string]*hcl.File{d.Subject.Filename: f}, width, color)
				clean.Subject, clean.Context = &sub, nil
			}
		}
		if err := out.WriteDiagnostic(&clean); err != nil {
			return err
		}
	}
	if moreErrors+moreWarnings > 0 {
		_, err := fmt.Fprintf(w, "... and %s, not shown: fix the first ones and run again.\n", countText(moreErrors, moreWarnings))
		return err
	}
	return nil
}

func countText(errs, warns int) string {
	var parts []string
	if errs > 0 {
		parts = append(parts, plural(errs, "more error"))
	}
	if warns > 0 {
		parts = append(parts, plural(warns, "more warning"))
	}
	return strings.Join(parts, " and ")
}

func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Snippet bounds: a diagnostic on a minified or generated file must not
// print a 100,000-character line.
const (
	maxSnippetLine  = 200  // bytes of one source line shown whole
	maxSnippetBytes = 4000 // bytes of source lines shown for one diagnostic
	snippetBefore   = 60   // bytes kept before the subject in a clipped line
	snippetAfter    = 100  // and after its start
)

// clipSnippet returns, when the lines a diagnostic would show are too long,
// a stand-in file holding only a window of the subject's first line (at the
// same line number, so that "line N" stays right) and the subject moved
// into it.
func clipSnippet(src []byte, subject hcl.Range, context *hcl.Range) (*hcl.File, hcl.Range, bool) {
	if src == nil || subject.Start.Byte > len(src) {
		return nil, subject, false
	}
	snip := subject
	if context != nil {
		snip = hcl.RangeOver(snip, *context)
	}
	lo, hi := max(0, min(snip.Start.Byte, len(src))), max(0, min(snip.End.Byte, len(src)))
	lo = bytes.LastIndexByte(src[:lo], '\n') + 1
	if e := bytes.IndexByte(src[hi:], '\n'); e >= 0 {
		hi += e
	} else {
		hi = len(src)
	}
	long := hi-lo > maxSnippetBytes
	for l := lo; !long && l < hi; {
		e := bytes.IndexByte(src[l:hi], '\n')
		if e < 0 {
			e = hi - l
		}
		long = e > maxSnippetLine
		l += e + 1
	}
	if !long {
		return nil, subject, false
	}
	start := subject.Start.Byte
	lineStart := bytes.LastIndexByte(src[:start], '\n') + 1
	lineEnd := len(src)
	if e := bytes.IndexByte(src[start:], '\n'); e >= 0 {
		lineEnd = start + e
	}
	from, to := max(lineStart, start-snippetBefore), min(lineEnd, start+snippetAfter)
	for from > lineStart && !utf8.RuneStart(src[from]) {
		from--
	}
	for to < lineEnd && !utf8.RuneStart(src[to]) {
		to++
	}
	var b bytes.Buffer
	b.Write(bytes.Repeat([]byte("\n"), subject.Start.Line-1))
	if from > lineStart {
		b.WriteString("...")
	}
	col := b.Len() - (subject.Start.Line - 1)
	b.Write(src[from:to])
	if to < lineEnd {
		b.WriteString("...")
	}
	sub := subject
	sub.Start.Byte = subject.Start.Line - 1 + col + start - from
	sub.Start.Column = 1 + col + utf8.RuneCount(src[from:start])
	end := min(subject.End.Byte, to)
	if subject.End.Line != subject.Start.Line || end < start {
		end = min(start+1, to)
	}
	sub.End = sub.Start
	sub.End.Byte += end - start
	sub.End.Column += utf8.RuneCount(src[start:end])
	return &hcl.File{Bytes: b.Bytes()}, sub, true
}

// snippetFile is what the diagnostic writer shows source lines from: the
// file with control bytes masked, parsed when it is safe to, so that
// snippets can say which block they are in.
func snippetFile(src []byte, name string) *hcl.File {
	masked := maskControl(src)
	if checkSource(src, name) == nil {
		if f, _ := hclsyntax.ParseConfig(masked, name, hcl.InitialPos); f != nil {
			return f
		}
	}
	return &hcl.File{Bytes: masked}
}

// readLimited reads a file, refusing those over MaxFileSize before reading
// them whole.
func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > MaxFileSize {
		return nil, tooLargeError{st.Size()}
	}
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(src) > MaxFileSize {
		return nil, tooLargeError{-1} // a pipe: its size is unknown
	}
	return src, nil
}

// tooLargeError is a file over MaxFileSize; size is -1 when unknown.
type tooLargeError struct{ size int64 }

func (e tooLargeError) Error() string {
	what := "This file is over"
	if e.size >= 0 {
		what = fmt.Sprintf("This file is %d bytes;", e.size)
	}
	return fmt.Sprintf("%s experiment files are limited to %d MiB (about 8,000 regions). Split it into several experiments.", what, MaxFileSize>>20)
}

// isControl says whether a rune would act on a terminal rather than print.
func isControl(r rune) bool {
	return r < 0x20 && r != '\n' && r != '\t' && r != '\r' || r == 0x7f || r >= 0x80 && r < 0xa0
}

// maskControl replaces every byte of a control character, and every byte
// that is not UTF-8, with '?', keeping byte offsets so that ranges still
// point at the right columns.
func maskControl(src []byte) []byte {
	out := bytes.Clone(src)
	for i := 0; i < len(out); {
		r, n := utf8.DecodeRune(out[i:])
		if r == utf8.RuneError && n <= 1 || isControl(r) {
			for k := i; k < i+max(n, 1); k++ {
				out[k] = '?'
			}
		}
		i += max(n, 1)
	}
	return out
}

// printable masks control characters in a message.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || isControl(r) {
			return '?'
		}
		return r
	}, s)
}

// checkSource refuses, before parsing, what the parser would choke on: a
// file over MaxFileSize, bytes that are not UTF-8 text, and nesting or
// operator chains deep enough to exhaust the stack.
func checkSource(src []byte, filename string) *hcl.Diagnostic {
	if len(src) > MaxFileSize {
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "File too large",
			Detail: tooLargeError{int64(len(src))}.Error(), Subject: rangeAt(src, filename, 0).Ptr()}
	}
	for i := 0; i < len(src); {
		r, n := utf8.DecodeRune(src[i:])
		if r == 0 || r == utf8.RuneError && n <= 1 {
			return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Not a text file",
				Detail:  fmt.Sprintf("Byte 0x%02x at offset %d is not UTF-8 text: an experiment file is HCL text, and this looks like a binary file.", src[i], i),
				Subject: rangeAt(src, filename, i).Ptr()}
		}
		i += n
	}
	return checkNesting(src, filename)
}

// rangeAt is the one-character range at byte offset off, with its line and
// column counted as the HCL lexer counts them (columns in characters).
func rangeAt(src []byte, filename string, off int) hcl.Range {
	pos := hcl.Pos{Line: 1, Column: 1, Byte: off}
	line := bytes.Count(src[:off], []byte("\n"))
	pos.Line += line
	start := 0
	if line > 0 {
		start = bytes.LastIndexByte(src[:off], '\n') + 1
	}
	pos.Column += utf8.RuneCount(src[start:off])
	end := pos
	if off < len(src) {
		_, n := utf8.DecodeRune(src[off:])
		end.Byte += n
		end.Column++
	}
	return hcl.Range{Filename: filename, Start: pos, End: end}
}

// nestFrame is one open bracket, string, heredoc or interpolation.
type nestFrame struct {
	kind   byte   // '(' '[' '{', '"' quoted string, 'h' heredoc, '$' interpolation
	marker []byte // heredoc end marker
	ops    int    // operators chained so far at this level
	isFor  bool   // a for expression opened here
}

// checkNesting scans src as the HCL lexer would, closely enough to bound
// the parser's recursion: brackets, strings and comments are told apart so
// that a bracket in a comment or a string does not count, and where the
// scan is unsure it counts more, never less.
func checkNesting(src []byte, filename string) *hcl.Diagnostic {
	stack := []nestFrame{{kind: '{'}} // the file body
	fors := 0
	tooDeep := func(off int, summary, format string, args ...any) *hcl.Diagnostic {
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...),
			Subject: rangeAt(src, filename, off).Ptr()}
	}
	push := func(off int, f nestFrame) *hcl.Diagnostic {
		stack = append(stack, f)
		if len(stack)-1 > MaxNesting {
			return tooDeep(off, "Nesting too deep",
				"More than %d brackets, strings and interpolations are open here; experiment files need a handful. Flatten the expression.", MaxNesting)
		}
		return nil
	}
	pop := func() {
		if len(stack) > 1 {
			if stack[len(stack)-1].isFor {
				fors--
			}
			stack = stack[:len(stack)-1]
		}
	}
	op := func(off int) *hcl.Diagnostic {
		top := &stack[len(stack)-1]
		top.ops++
		if top.ops > MaxOperators {
			return tooDeep(off, "Expression too long",
				"More than %d operators are chained in one expression here. Split it, or compute it outside the file.", MaxOperators)
		}
		return nil
	}
	lastSignificant := byte(0)
	for i := 0; i < len(src); {
		c := src[i]
		top := &stack[len(stack)-1]
		switch top.kind {
		case '"':
			switch {
			case c == '\\':
				i += 2
			case c == '"':
				pop()
				i++
			case c == '\n':
				pop() // quoted strings end at the line's end, as the lexer ends them
				i++
			case (c == '$' || c == '%') && i+2 < len(src) && src[i+1] == c && src[i+2] == '{':
				i += 3 // $${ and %%{ are literal
			case (c == '$' || c == '%') && i+1 < len(src) && src[i+1] == '{':
				if d := push(i, nestFrame{kind: '$'}); d != nil {
					return d
				}
				i += 2
			default:
				i++
			}
			continue
		case 'h':
			if c == '\n' {
				i++
				end := bytes.IndexByte(src[i:], '\n')
				if end < 0 {
					end = len(src) - i
				}
				if bytes.Equal(bytes.TrimRight(bytes.TrimLeft(src[i:i+end], " \t"), "\r"), top.marker) {
					pop()
					i += end
				}
				continue
			}
			switch {
			case (c == '$' || c == '%') && i+2 < len(src) && src[i+1] == c && src[i+2] == '{':
				i += 3
			case (c == '$' || c == '%') && i+1 < len(src) && src[i+1] == '{':
				if d := push(i, nestFrame{kind: '$'}); d != nil {
					return d
				}
				i += 2
			default:
				i++
			}
			continue
		}
		// An expression or a body.
		switch {
		case c == '#' || c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := bytes.Index(src[i+2:], []byte("*/"))
			if end < 0 {
				return nil // unterminated: the parser reports it
			}
			i += end + 4
			continue
		case c == '\n' || c == ',':
			top.ops = 0
		case c == '"':
			if d := push(i, nestFrame{kind: '"'}); d != nil {
				return d
			}
		case c == '<' && i+1 < len(src) && src[i+1] == '<':
			j := i + 2
			if j < len(src) && src[j] == '-' {
				j++
			}
			k := j
			for k < len(src) && isIdentByte(src[k], k == j) {
				k++
			}
			nl := k
			if nl < len(src) && src[nl] == '\r' {
				nl++
			}
			if k > j && nl < len(src) && src[nl] == '\n' {
				if d := push(i, nestFrame{kind: 'h', marker: src[j:k]}); d != nil {
					return d
				}
				i = nl // the newline ends the heredoc's opening line
				continue
			}
			if d := op(i); d != nil {
				return d
			}
			i += 2
			lastSignificant = '<'
			continue
		case c == '(' || c == '[' || c == '{':
			if d := push(i, nestFrame{kind: c}); d != nil {
				return d
			}
		case c == ')' || c == ']' || c == '}':
			// only a matching closer closes: a stray one must not hide
			// the depth of what follows.
			want := map[byte]byte{')': '(', ']': '[', '}': '{'}[c]
			if top.kind == want || c == '}' && top.kind == '$' {
				pop()
			}
		case isIdentByte(c, true):
			j := i
			for j < len(src) && isIdentByte(src[j], j == i) {
				j++
			}
			if string(src[i:j]) == "for" && (lastSignificant == '[' || lastSignificant == '{') && !top.isFor && len(stack) > 1 {
				top.isFor = true
				fors++
				if fors > MaxForNesting {
					return tooDeep(i, "Nesting too deep",
						"More than %d for expressions are nested here: each level multiplies the values built.", MaxForNesting)
				}
			}
			i = j
			lastSignificant = 'a'
			continue
		case c >= '0' && c <= '9':
			for i < len(src) && (src[i] >= '0' && src[i] <= '9' || src[i] == '.') {
				i++
			}
			if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
				i++
				if i < len(src) && (src[i] == '+' || src[i] == '-') {
					i++
				}
				for i < len(src) && src[i] >= '0' && src[i] <= '9' {
					i++
				}
			}
			lastSignificant = '0'
			continue
		case strings.IndexByte("+-*/%!<>?&|", c) >= 0 || c == '=' && i+1 < len(src) && src[i+1] == '=':
			if d := op(i); d != nil {
				return d
			}
		}
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			lastSignificant = c
		}
		i++
	}
	return nil
}

// isIdentByte reports whether c may appear in an HCL identifier (ASCII
// only: other letters are skipped as single bytes, which counts nothing).
func isIdentByte(c byte, first bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		return true
	case c >= '0' && c <= '9', c == '-':
		return !first
	}
	return false
}

// CheckSource refuses, before any HCL parser sees it, a source over
// MaxFileSize, not UTF-8 text, or nested deeper than the parser's stack
// allows; firedrill fmt calls it before hclwrite.
func CheckSource(src []byte, filename string) hcl.Diagnostics {
	if d := checkSource(src, filename); d != nil {
		return hcl.Diagnostics{d}
	}
	return nil
}

// ReadSource reads an experiment file within MaxFileSize and checks it
// with CheckSource.
func ReadSource(path string) ([]byte, hcl.Diagnostics) {
	src, err := readLimited(path)
	var big tooLargeError
	if errors.As(err, &big) {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "File too large", Detail: big.Error(), Subject: fileRange(path).Ptr()}}
	}
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read experiment file", Detail: err.Error(), Subject: fileRange(path).Ptr()}}
	}
	return src, CheckSource(src, path)
}
