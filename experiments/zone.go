package experiments

import (
	"time"
	// The zone database is embedded (about 450 KB) so that an
	// experiment's timezone resolves the same on a machine without
	// /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/firedrill/firedrill/faults"
)

// timezone reads the experiment's IANA zone, nil when it sets none: daily
// profiles and backup times then follow the zone's wall clock, daylight
// saving included, instead of the start's fixed offset.
func (d *decoder) timezone(a *faults.Attrs) *time.Location {
	tz := a.String("timezone", "")
	if tz == "" {
		return nil
	}
	// "Local" would be the machine's zone: the same file would give
	// another report elsewhere.
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "Local" {
		a.Errorf("timezone", "Unknown time zone", `timezone must be an IANA time zone name like "Europe/Paris" or "UTC"; %q is not one.`, tz)
		return nil
	}
	return loc
}

func zoneOffset(t time.Time) int {
	_, off := t.Zone()
	return off
}
