package experiments

import (
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
	return hcl.NewDiagnosticTextWriter(w, p.Files(), width, color).WriteDiagnostics(diags)
}
