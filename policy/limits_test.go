package policy_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/policy"
)

// TestPolicyLimits: each limit of a policy document is checked before the
// expensive work and named in the error. 100,000 rules compiled into a
// 1.2 GiB index before MaxRules.
func TestPolicyLimits(t *testing.T) {
	head := "name: big\nversion: \"1\"\nappeal: {route: help}\ncategories:\n  - {name: spam, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC}\n"
	rule := "  - {id: r%d, target: account, when: 'true', penalty: warn, message: '\"x\"', ground: {kind: contractual, reference: terms}}\n"
	list := func(n int, item string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, item, i)
		}
		return b.String()
	}
	tests := []struct {
		name, src, limit string
	}{
		{"rules", head + "rules:\n" + list(policy.MaxRules+1, rule), "MaxRules (5000)"},
		{"variables", head + "variables:\n" + list(policy.MaxVariables+1, "  - {name: v%d, expression: 'true'}\n") + "rules:\n" + list(1, rule), "MaxVariables (1000)"},
		{"categories", "name: big\nversion: \"1\"\nappeal: {route: help}\ncategories:\n" +
			list(policy.MaxCategories+1, "  - {name: c%d, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC}\n") + "rules:\n" + list(1, rule), "MaxCategories (255)"},
		{"bytes", head + "rules:\n" + list(1, rule) + "#" + strings.Repeat("x", policy.MaxPolicyBytes), "MaxPolicyBytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policy.Compile("big.yaml", []byte(tt.src))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.limit)
		})
	}
}

// TestErrorsReportedAreBounded: a one-line policy with more problems than
// MaxErrors reports the first MaxErrors, by position, at their columns on
// that line, and one that counts the rest.
func TestErrorsReportedAreBounded(t *testing.T) {
	src := oneLinePolicy(policy.MaxErrors + 500)
	_, err := policy.Compile("errors.yaml", src)
	var list policy.ErrorList
	require.ErrorAs(t, err, &list)
	require.Len(t, list, policy.MaxErrors+1)
	assert.Contains(t, list[policy.MaxErrors].Message, "500 more problems")
	at := strings.Index(string(src), "1 + true")
	assert.Equal(t, 1, list[0].Line)
	assert.Equal(t, at+3, list[0].Column, "the + of the first rule")
	for i := 1; i < policy.MaxErrors; i++ {
		require.Less(t, list[i-1].Column, list[i].Column, "one line, in column order")
	}
}
