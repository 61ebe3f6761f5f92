package experiments

import (
	"fmt"
	"io"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// WriteDiagnostics prints diagnostics the way Terraform does: severity,
// summary, file:line:column, a source snippet with the range underlined, and
// the detail. Sources are re-read from disk, so it works for any file a
// diagnostic names.
func WriteDiagnostics(w io.Writer, diags hcl.Diagnostics, width uint, color bool) error {
	p := hclparse.NewParser()
	for _, d := range diags {
		if d.Subject != nil && d.Subject.Filename != "" {
			// a file that no longer parses still yields its bytes for snippets.
			p.ParseHCLFile(d.Subject.Filename)
		}
	}
	if width == 0 {
		width = 78
	}
	dw := hcl.NewDiagnosticTextWriter(w, p.Files(), width, color)
	for _, d := range diags {
		// a compiler-style first line, which editors and CI logs link to.
		sev := "error"
		if d.Severity == hcl.DiagWarning {
			sev = "warning"
		}
		if d.Subject != nil {
			fmt.Fprintf(w, "%s:%d:%d: %s: %s\n", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, sev, d.Summary)
		} else {
			fmt.Fprintf(w, "%s: %s\n", sev, d.Summary)
		}
		if err := dw.WriteDiagnostic(d); err != nil {
			return err
		}
	}
	return nil
}
