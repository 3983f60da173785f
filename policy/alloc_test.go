package policy_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/policy"
)

// Decide makes at most one allocation (the slice of matches) per decision:
// the activation is pooled, names resolve without maps of values, and
// error paths are built only on error.
func TestDecideAllocatesAtMostOnce(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("instrumentation allocates")
	}
	e := policy.Default()
	ctx := context.Background()
	for name, c := range benchCases() {
		d, err := e.Decide(ctx, c)
		require.NoError(t, err, name)
		require.NotEmpty(t, d.Matches, "%s: a case that matches, so the one allocation is made", name)
		allocs := testing.AllocsPerRun(200, func() {
			if _, err := e.Decide(ctx, c); err != nil {
				t.Fatal(err)
			}
		})
		require.LessOrEqual(t, allocs, 1.0, "%s: Decide allocates %v times", name, allocs)
	}
}
