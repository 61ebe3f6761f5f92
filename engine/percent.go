package engine

import (
	"math"
	"strconv"
)

// AvailabilityDigits is how many decimals an availability percentage
// needs: three, or as many more as it takes for a figure under 100 % not
// to read 100 (2h1m out of SLO over 100,000 days is 99.99992 %, which three
// decimals round to "100.000").
func AvailabilityDigits(pct float64) int {
	d := 3
	for pct < 100 && d < 12 && math.Round(pct*math.Pow10(d))/math.Pow10(d) >= 100 {
		d++
	}
	return d
}

// FormatAvailability writes an availability percentage with
// AvailabilityDigits decimals and a percent sign.
func FormatAvailability(pct float64) string {
	return strconv.FormatFloat(pct, 'f', AvailabilityDigits(pct), 64) + "%"
}

// RoundAvailability rounds an availability percentage to
// AvailabilityDigits decimals, for machine-readable reports.
func RoundAvailability(pct float64) float64 {
	p := math.Pow10(AvailabilityDigits(pct))
	return math.Round(pct*p) / p
}
