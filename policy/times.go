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

// checkTime refuses a bad time at the path path() builds. Callers on the
// hot path test plainTime first, which is inlined.
func checkTime(t time.Time, path func() string) error {
	if plainTime(t) {
		return nil
	}
	if why := badTime(t); why != "" {
		return invalid(path(), CodeTimeRange, "%s", why)
	}
	return nil
}

// plainTime reports, cheaply enough to be inlined, that a time is absent or
// in UTC within MinTime and MaxTime: a time whose seconds lie within
// theirs lies within them, as each bound is the first or the last instant
// of its second. Any other time is for badTime to judge.
func plainTime(t time.Time) bool {
	s := t.Unix()
	return s >= minSec && s <= maxSec && t.Location() == time.UTC
}

// minSec and maxSec are the Unix seconds of MinTime and MaxTime
// (TestTimeBounds); the zero time is MinTime.
const minSec, maxSec = -62135596800, 253402300799

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

// plainEvidenceTimes reports whether every time of a violation's evidence
// and reviews is plain.
func plainEvidenceTimes(v *Violation) bool {
	for j := range v.Evidence.Identifications {
		if !plainTime(v.Evidence.Identifications[j].At) {
			return false
		}
	}
	for j := range v.Evidence.Reports {
		if !plainTime(v.Evidence.Reports[j].At) {
			return false
		}
	}
	for j := range v.Reviews {
		if !plainTime(v.Reviews[j].At) {
			return false
		}
	}
	return true
}
