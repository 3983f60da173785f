package casespace_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/internal/casespace"
)

// lookingCtx counts its looks and ends at look n.
type lookingCtx struct {
	context.Context
	n     int64
	looks atomic.Int64
}

func (c *lookingCtx) Err() error {
	if c.looks.Add(1) > c.n {
		return context.Canceled
	}
	return nil
}

func (c *lookingCtx) Done() <-chan struct{} { return nil }

// Analyze looks at its context within an expression's table, every 256
// cells, not only between expressions, and a look that finds it ended
// stops the analysis with its error: an expression of many cells cannot
// keep a compilation running long after its context ended.
func TestAnalyzeStopsWithinATable(t *testing.T) {
	env := newEnv(t)
	// One expression whose every report count from 0 to 129 acts
	// differently over the severity and the actor: 131 classes of
	// reports, so 131 × 4 × 2 cells in its table.
	sevs := []string{"low", "medium", "high", "critical"}
	var ors []string
	for i := range 130 {
		var ands []string
		for b := range 8 {
			if (i+1)>>b&1 == 1 {
				ands = append(ands, fmt.Sprintf("violation.severity == severity.%s && subject.is_actor == %v", sevs[b%4], b >= 4))
			}
		}
		ors = append(ors, fmt.Sprintf("violation.reports == %d && (%s)", i, strings.Join(ands, " || ")))
	}
	src := strings.Join(ors, " || ")
	exprs := []casespace.Expr{{Name: "wide", Ast: compile(t, env, src)}}
	full := &lookingCtx{Context: context.Background(), n: 1 << 62}
	s, err := casespace.Analyze(env, domains(), exprs, casespace.Options{Context: full})
	require.NoError(t, err)
	require.Greater(t, s.Cells(), 1024, "a table of many cells")
	looks := full.looks.Load()
	assert.GreaterOrEqual(t, looks, int64(s.Cells()/256), "it looks every 256 cells of the table")
	for n := int64(1); n < looks; n++ {
		_, err := casespace.Analyze(env, domains(), exprs, casespace.Options{Context: &lookingCtx{Context: context.Background(), n: n}})
		require.ErrorIs(t, err, context.Canceled, "stopped at look %d of %d", n, looks)
	}
}
