package reports

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/firedrill/firedrill/drivers/model"
	"github.com/firedrill/firedrill/engine"
)

// TestRiskFormats writes the risk of testdata/risk/risk.hcl (a fire
// every 50 years and power cuts every 2 years on two offers, 400 years) in
// every risk format against golden files; the HTML by its structure.
func TestRiskFormats(t *testing.T) {
	r, err := engine.RunRisk(context.Background(), loadExperiment(t, "testdata/risk/risk.hcl"), model.New(), nil, engine.RiskOptions{Years: 400, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	for format, file := range map[string]string{"table": "risk.txt", "markdown": "risk.md", "json": "risk.json"} {
		var a, b bytes.Buffer
		if err := WriteRisk(&a, format, r); err != nil {
			t.Fatal(err)
		}
		if err := WriteRisk(&b, format, r); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: two renderings differ", format)
		}
		path := filepath.Join("testdata", file)
		if *update {
			if err := os.WriteFile(path, a.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test -update writes it)", err)
		}
		if !bytes.Equal(a.Bytes(), want) {
			t.Errorf("%s differs from %s:\n%s", format, path, a.String())
		}
	}
	var page bytes.Buffer
	if err := WriteRisk(&page, "html", r); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "risk", htmlStructure(t, page.Bytes()))
	if err := WriteRisk(&page, "junit", r); err == nil {
		t.Error("risk wrote junit, which has no place for a distribution over years")
	}
}
