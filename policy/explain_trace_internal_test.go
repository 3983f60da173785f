package policy

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// traceBudgetPolicy: "other" is no candidate for a violation of c0, yet
// its trace shows what it reads (variables.heavy); "main" matches on
// variables.light.
const traceBudgetPolicy = `name: trace-budget
version: "1"
appeal: {route: help}
categories:
  - {name: c0, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC}
  - {name: c1, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC}
variables:
  - name: heavy
    expression: strikes(duration("1h")) + strikes(duration("2h"))
  - name: light
    expression: subject.id.startsWith("a")
rules:
  - id: other
    target: account
    when: violation.category == category.c1 && variables.heavy > 0
    penalty: suspend
    duration: 1d
    message: '"other"'
    ground: {kind: contractual, reference: terms}
  - id: main
    target: account
    when: violation.category == category.c0 && variables.light
    penalty: warn
    message: '"main"'
    ground: {kind: contractual, reference: terms}
`

// Explain decides the case as Decide does, on the same path, under every
// decision cost limit, and its trace shows what the decision read: the
// variables a trace shows, those of rules that are no candidate for the
// violation included (here other's heavy, on a violation of c0), are
// evaluated after the decision, in one budget of the decision's cost
// limit, the winner's first. Where heavy would use up that budget, the
// matched rule's trace still shows the value its condition read.
func TestExplainDecidesAsDecideAndShowsWhatItRead(t *testing.T) {
	ctx := context.Background()
	c := actorCase("c0")
	differ, checked := 0, 0
	for limit := uint64(1); limit <= 2100; limit++ { // heavy costs about 2,000
		e, err := Compile("trace-budget.yaml", []byte(traceBudgetPolicy), WithDecisionCostLimit(limit))
		if err != nil {
			continue
		}
		d, err := e.Decide(ctx, c)
		require.NoError(t, err)
		x, err := e.Explain(ctx, c)
		require.NoError(t, err)
		if !assert.Equal(t, d, x.Decision, "decision cost limit %d", limit) {
			if differ++; differ > 2 {
				break
			}
		}
		if x.Decision.Rule != "main" || len(x.Decision.Errors) > 0 {
			continue // the decision itself hit the limit
		}
		checked++
		for _, rt := range x.Rules {
			if rt.Rule == "main" {
				require.True(t, rt.Matched, "limit %d", limit)
				require.Contains(t, rt.Reads, Binding{Name: "variables.light", Value: "true"},
					"decision cost limit %d: main matched on variables.light, its trace must show that value", limit)
			}
		}
	}
	require.Positive(t, checked)
}
