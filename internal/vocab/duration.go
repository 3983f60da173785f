package vocab

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration that reads and writes as text: Go's duration
// syntax ("168h", "90m") plus whole days ("30d"). The zero Duration means no
// duration: a warning, or a permanent ban or closure.
type Duration time.Duration

// ParseDuration parses "30d", "168h", "1h30m" and the like. Negative
// durations are refused.
func ParseDuration(s string) (Duration, error) {
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok && days != "" {
		// Every whole number of days a Duration holds parses, so that each
		// printed Duration reads back.
		n, err := strconv.ParseUint(days, 10, 64)
		if err != nil || n > math.MaxInt64/uint64(24*time.Hour) {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("invalid duration %q (want a number of days like 30d or a Go duration like 168h)", s)
		}
	}
	if d < 0 {
		return 0, fmt.Errorf("negative duration %q", s)
	}
	return Duration(d), nil
}

// String returns "30d" for whole days, Go's form otherwise, "0s" for zero.
func (d Duration) String() string {
	day := 24 * time.Hour
	if td := time.Duration(d); td > 0 && td%day == 0 {
		return strconv.FormatInt(int64(td/day), 10) + "d"
	}
	return time.Duration(d).String()
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	*d = v
	return err
}
