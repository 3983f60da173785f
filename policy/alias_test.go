package policy_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/policy"
)

// aliasedPolicy shares a ground, a rule's fields and a list of keywords
// through anchors and aliases; writtenOut is the same policy with every
// alias written out.
const (
	aliasedPolicy = `name: aliases
version: 1.0.0
appeal: {route: Settings > Appeals}
categories:
  - {name: spam, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC, dsa_keywords: &kw [KEYWORD_OTHER]}
  - {name: scam, dsa_category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD, dsa_keywords: *kw}
rules:
  - id: spam-warn
    target: account
    when: &spam violation.category == category.spam
    penalty: warn
    message: &stop '"Please stop."'
    ground: &terms {kind: contractual, reference: Terms of service}
  - id: spam-group
    target: group
    when: *spam
    penalty: warn
    message: *stop
    ground: *terms
`
	writtenOut = `name: aliases
version: 1.0.0
appeal: {route: Settings > Appeals}
categories:
  - {name: spam, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC, dsa_keywords: [KEYWORD_OTHER]}
  - {name: scam, dsa_category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD, dsa_keywords: [KEYWORD_OTHER]}
rules:
  - id: spam-warn
    target: account
    when: violation.category == category.spam
    penalty: warn
    message: '"Please stop."'
    ground: {kind: contractual, reference: Terms of service}
  - id: spam-group
    target: group
    when: violation.category == category.spam
    penalty: warn
    message: '"Please stop."'
    ground: {kind: contractual, reference: Terms of service}
`
)

// A policy with aliases is the policy with its aliases written out: the
// same rules and the same digest.
func TestAliasesAreTheValueTheyName(t *testing.T) {
	aliased, err := policy.Compile("aliased.yaml", []byte(aliasedPolicy))
	require.NoError(t, err)
	plain, err := policy.Compile("plain.yaml", []byte(writtenOut))
	require.NoError(t, err)
	assert.Equal(t, plain.Policy(), aliased.Policy())
	assert.Equal(t, string(plain.Canonical()), string(aliased.Canonical()))
	assert.Equal(t, plain.Rules(), aliased.Rules())
}

// A problem in a value that two aliases share is reported once, where the
// value is written.
func TestAliasedProblemReportedOnce(t *testing.T) {
	src := strings.Replace(aliasedPolicy, "kind: contractual", "kind: moral", 1)
	_, err := policy.Compile("aliased.yaml", []byte(src))
	var list policy.ErrorList
	require.True(t, errors.As(err, &list), "%v", err)
	require.Len(t, list, 1, "%v", err)
	assert.Equal(t, "aliased.yaml:13:27: invalid-value: ground kind \"moral\" must be illegal or contractual", list[0].Error())
}

// Aliases of aliases that would expand a small file beyond the bound are
// refused, in bounded time, at the alias that crossed it.
func TestAliasExpansionIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("name: laughs\nversion: 1.0.0\nappeal: {route: Settings}\ndescription: x\nlol0: &l0 [a, a, a, a, a, a, a, a, a, a]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "lol%d: &l%d [*l%d, *l%[3]d, *l%[3]d, *l%[3]d, *l%[3]d, *l%[3]d, *l%[3]d, *l%[3]d, *l%[3]d, *l%[3]d]\n", i, i, i-1)
	}
	start := time.Now()
	_, err := policy.Compile("laughs.yaml", []byte(b.String()))
	require.Error(t, err)
	assert.Less(t, time.Since(start), 5*time.Second, "expansion is not bounded")
	var list policy.ErrorList
	require.True(t, errors.As(err, &list))
	require.Len(t, list, 1, "%v", err)
	assert.Equal(t, policy.CodeInvalidValue, list[0].Code)
	assert.Contains(t, list[0].Message, "aliases of this policy expand it to more than 100000 values")
}
