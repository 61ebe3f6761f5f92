package faults

import "testing"

// TestFmtNum: whole numbers in diagnostics read as integers, never in
// exponent form ("seed must be between 0 and 9007199254740992").
func TestFmtNum(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		want string
	}{
		{1 << 53, "9007199254740992"},
		{1e6, "1000000"},
		{0, "0"},
		{-3, "-3"},
		{0.25, "0.25"},
		{1.5e-7, "1.5e-07"},
		{1e300, "1e+300"},
	} {
		if got := fmtNum(tc.f); got != tc.want {
			t.Errorf("fmtNum(%v) = %s, want %s", tc.f, got, tc.want)
		}
	}
}
