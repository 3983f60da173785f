package funds_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/appeal/funds"
)

// The package documentation shows the table Apply runs, line for line.
func TestDocShowsTheTable(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	var doc []string
	for _, l := range strings.Split(string(src), "\n") {
		if rest, ok := strings.CutPrefix(l, "//\t"); ok {
			doc = append(doc, rest)
		}
	}
	want := strings.Split(strings.TrimSuffix(funds.TransitionTable(), "\n"), "\n")
	assert.Equal(t, want, doc, "doc.go is stale: paste TransitionTable() into its Transitions section")
}

// Every event kind has a row, every active state is left by some row, and
// no two rows claim the same state, event and route.
func TestTableIsComplete(t *testing.T) {
	rows := funds.Transitions()
	for k := funds.EventFrozen; k.IsValid(); k++ {
		assert.True(t, slices.ContainsFunc(rows, func(r funds.Transition) bool { return r.Event == k }), "no row for %s", k)
	}
	for s := funds.StatusHeld; s.IsValid(); s++ {
		leaves := slices.ContainsFunc(rows, func(r funds.Transition) bool {
			return slices.Contains(r.From, s) && r.To != 0 && r.To != s
		})
		assert.Equal(t, !s.Final(), leaves, "state %s", s)
	}
	type key struct {
		s funds.Status
		e funds.EventKind
		r funds.Route
	}
	seen := map[key]bool{}
	for _, r := range rows {
		for _, s := range r.From {
			for _, route := range []funds.Route{funds.RouteRedeem, funds.RouteDirect} {
				if r.Route != funds.RouteAny && r.Route != route {
					continue
				}
				k := key{s, r.Event, route}
				assert.False(t, seen[k], "two rows for %s in %s on route %s", r.Event, s, route)
				seen[k] = true
			}
		}
	}
	// The table handed out is a copy.
	rows[0].Checks[0] = "changed"
	assert.NotEqual(t, "changed", funds.Transitions()[0].Checks[0])
}
