package policy_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/policy"
)

// endingCtx is a context that ends at its nth look: Err reports it
// cancelled from then on, so that a test can stop a compilation at each
// point where it looks.
type endingCtx struct {
	context.Context
	n, looks atomic.Int64
}

func (c *endingCtx) Err() error {
	if c.looks.Add(1) > c.n.Load() {
		return context.Canceled
	}
	return nil
}

func (c *endingCtx) Done() <-chan struct{} { return nil }

// countedCtx ends at the nth look.
func countedCtx(n int64) *endingCtx {
	c := &endingCtx{Context: context.Background()}
	c.n.Store(n)
	return c
}

// A compilation stopped at any point where it looks at its context
// returns the context's error and no engine, never a policy cut short (a
// case space half built, rules missing); one that is not stopped gives
// Compile's engine.
func TestCompileContextStopsCleanlyAtEveryPoint(t *testing.T) {
	var chain strings.Builder
	chain.WriteString("variables:\n  - {name: v0, expression: violation.severity >= severity.medium}\n")
	for i := 1; i < 12; i++ {
		fmt.Fprintf(&chain, "  - {name: v%d, expression: variables.v%d && subject.is_actor}\n", i, i-1)
	}
	for _, tc := range []struct {
		name string
		src  []byte
	}{
		{"default", policy.DefaultSource()},
		{"variables", []byte(strings.Replace(string(policy.DefaultSource()), "\nvariables:\n", "\n"+chain.String(), 1))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := policy.Compile("p.yaml", tc.src)
			require.NoError(t, err)
			full := countedCtx(1 << 62)
			got, err := policy.CompileContext(full, "p.yaml", tc.src)
			require.NoError(t, err)
			assert.Equal(t, want.Policy(), got.Policy())
			looks := full.looks.Load()
			require.Greater(t, looks, int64(20), "it looks between rules and cells")
			for n := range looks {
				e, err := policy.CompileContext(countedCtx(n), "p.yaml", tc.src)
				require.ErrorIs(t, err, context.Canceled, "stopped at look %d of %d", n, looks)
				require.Nil(t, e)
				assert.ErrorContains(t, err, "compiling p.yaml")
			}
		})
	}
}

// A compilation that takes seconds, ended by its context, returns the
// context's cause and no engine (how soon it stops is what the counted
// looks above and the case space's own test show).
func TestCompileContextEndsASlowCompilationWithItsCause(t *testing.T) {
	var s strings.Builder
	s.WriteString("name: slow\nversion: \"1\"\nappeal: {route: help}\ncategories:\n  - {name: spam, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC}\nrules:\n")
	for i := range 3000 {
		fmt.Fprintf(&s, "  - {id: r%d, target: account, when: 'violation.reports >= %d', penalty: warn, message: '\"r\"', ground: {kind: contractual, reference: terms}}\n", i, i+1)
	}
	cause := errors.New("the request is over")
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(50*time.Millisecond, func() { cancel(cause) })
	e, err := policy.CompileContext(ctx, "slow.yaml", []byte(s.String()))
	require.ErrorIs(t, err, cause)
	assert.Nil(t, e)
}
