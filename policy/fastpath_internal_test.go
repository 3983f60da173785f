package policy

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/internal/compiler"
)

// TestTimeBounds: the constants of the inlined check are the seconds of
// MinTime and MaxTime, and each bound is the first or the last instant of
// its second, so comparing seconds compares times.
func TestTimeBounds(t *testing.T) {
	require.Equal(t, MinTime.Unix(), int64(minSec))
	require.Equal(t, MaxTime.Unix(), int64(maxSec))
	require.Zero(t, MinTime.Nanosecond())
	require.Equal(t, 999999999, MaxTime.Nanosecond())
	require.True(t, MinTime.Equal(time.Time{}))
}

// TestPlainTimeIsGood checks the fast check against the full one on times
// generated from a seed around both bounds and in several zones: a time
// plainTime accepts is one badTime finds nothing wrong with, and a time in
// UTC within the bounds is plain.
func TestPlainTimeIsGood(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	zones := []*time.Location{time.UTC, time.FixedZone("plus1", 3600), time.FixedZone("odd", 61), time.FixedZone("far", 25*3600), time.Local}
	bases := []time.Time{MinTime, MaxTime, time.Date(2017, 2, 20, 10, 0, 0, 0, time.UTC), {}}
	for range 20000 {
		base := bases[rng.IntN(len(bases))]
		at := base.Add(time.Duration(rng.Int64N(4e9)-2e9) * time.Duration([]int64{1, 1000, 1e9}[rng.IntN(3)]))
		if rng.IntN(4) == 0 {
			at = base
		}
		at = at.In(zones[rng.IntN(len(zones))])
		if rng.IntN(3) == 0 {
			at = at.Round(0)
		}
		if plainTime(at) {
			require.Empty(t, badTime(at), "%v", at)
		}
		if at.Location() == time.UTC && !at.Before(MinTime) && !at.After(MaxTime) {
			require.True(t, plainTime(at), "%v", at)
		}
	}
}

// TestPlainNameIsGood checks the fast check of a holder's name against the
// full one on names generated from a seed: ASCII, spaces at either end,
// control characters, other scripts and invalid UTF-8, short and at the
// length limit. A name plainName accepts is one checkHolder accepts, and a
// printable ASCII name without surrounding space is plain.
func TestPlainNameIsGood(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 3))
	alphabet := []string{"a", "Z", "0", " ", "-", "\t", "\n", "\x7f", "\x00", "é", "李", "\u00a0", "\u2028", "\xff", "~"}
	for range 20000 {
		var b strings.Builder
		n := rng.IntN(12)
		if rng.IntN(50) == 0 {
			n = compiler.MaxIDLen + rng.IntN(3) - 1
		}
		for range n {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		name := b.String()
		if plainName(name) {
			require.NoError(t, checkHolder("account.holder", name), "%q", name)
		}
		ascii := len(name) <= compiler.MaxIDLen && strings.TrimSpace(name) == name
		for i := 0; i < len(name); i++ {
			ascii = ascii && name[i] >= 0x20 && name[i] < 0x7f
		}
		require.Equal(t, ascii, plainName(name), "%q", name)
	}
}
