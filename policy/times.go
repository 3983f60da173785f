package policy

import (
	"fmt"
	"time"
)

// The times a case may hold: Decide and DecideGroup refuse any time
// outside them ([CodeTimeRange]), since RFC 3339, and so JSON, writes
// four-digit years only. The zero time means absent.
var (
	MinTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

// badTime says what is wrong with a time of a case, or "" when nothing is.
// Paths are built only for a time found wrong, so a good case costs no
// allocation.
func badTime(t time.Time) string {
	if t.IsZero() {
		return "" // absent
	}
	if t.Before(MinTime) || t.After(MaxTime) {
		return t.UTC().Format(time.RFC3339Nano) + " is outside years 1 to 9999"
	}
	if _, off := t.Zone(); off%60 != 0 || off <= -24*3600 || off >= 24*3600 {
		return fmt.Sprintf("the zone offset of %d seconds is not whole minutes under 24 hours", off)
	}
	return ""
}

// checkTime refuses a bad time at the path path() builds.
func checkTime(t time.Time, path func() string) error {
	if why := badTime(t); why != "" {
		return invalid(path(), CodeTimeRange, "%s", why)
	}
	return nil
}

// checkViolationTimes checks the times of the i-th violation of a case.
func checkViolationTimes(v *Violation, i int) error {
	at := func(field string) func() string {
		return func() string { return JoinPath(IndexPath("violations", i), field) }
	}
	if err := checkTime(v.Committed, at("committed")); err != nil {
		return err
	}
	if err := checkTime(v.Detected, at("detected")); err != nil {
		return err
	}
	for j := range v.Evidence.Identifications {
		if err := checkTime(v.Evidence.Identifications[j].At, func() string {
			return JoinPath(IndexPath(at("evidence.identifications")(), j), "at")
		}); err != nil {
			return err
		}
	}
	for j := range v.Evidence.Reports {
		if err := checkTime(v.Evidence.Reports[j].At, func() string {
			return JoinPath(IndexPath(at("evidence.reports")(), j), "at")
		}); err != nil {
			return err
		}
	}
	for j := range v.Reviews {
		if err := checkTime(v.Reviews[j].At, func() string {
			return JoinPath(IndexPath(at("reviews")(), j), "at")
		}); err != nil {
			return err
		}
	}
	return nil
}
