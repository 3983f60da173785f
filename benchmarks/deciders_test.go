package benchmarks

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/policy"
)

// decider takes one decision on a pre-built case. Each implementation
// starts from the same policy.Case, so turning it into its own input is part
// of what it is measured for, as validating and binding it is for warden.
type decider struct {
	name   string
	decide func(context.Context, policy.Case) (outcome, error)
}

// deciders prepares the eight implementations once: compiled, parsed or
// prepared before any case is decided. The hand-written floor comes first.
func deciders(tb testing.TB) []decider {
	tb.Helper()
	loop, err := newCELLoop()
	require.NoError(tb, err)
	tuned, err := newCELTuned()
	require.NoError(tb, err)
	lookup, err := newCaseLookup()
	require.NoError(tb, err)
	rg, err := newRegoDecider(context.Background())
	require.NoError(tb, err)
	cd, err := newCedarDecider()
	require.NoError(tb, err)
	return []decider{
		{"go", decideByHand},
		{"warden", decideWarden},
		{"warden-into", decideWardenInto()},
		{"cel-go", loop.decide},
		{"cel-go-tuned", tuned.decide},
		{"lookup", lookup.decide},
		{"opa", rg.decide},
		{"cedar", cd.decide},
	}
}

// decideWarden is the decision under test: the default policy's engine.
func decideWarden(ctx context.Context, c policy.Case) (outcome, error) {
	d, err := policy.Default().Decide(ctx, c)
	return outcome{Penalty: d.Penalty, Duration: d.Duration}, err
}

// decideWardenInto is the same engine as a loop that decides case after
// case uses it: into one Decision whose room is reused, as the tuned
// cel-go reuses its activation. Like that activation, the Decision serves
// one goroutine.
func decideWardenInto() func(context.Context, policy.Case) (outcome, error) {
	var d policy.Decision
	return func(ctx context.Context, c policy.Case) (outcome, error) {
		err := policy.Default().DecideInto(ctx, &c, &d)
		return outcome{Penalty: d.Penalty, Duration: d.Duration}, err
	}
}
