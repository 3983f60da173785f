package policytest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/policy"
	"github.com/groupwarden/warden/policy/policytest"
)

// A syntax error is placed at the line and column of the problem: yaml.v3
// names the line of the enclosing construct, here the first line, and no
// column.
func TestParsePlacesSyntaxErrors(t *testing.T) {
	src := "cases:\n  - name: a\n    reason: b\n    input: {target: account\n    expect: {penalty: none}\n"
	_, err := policytest.Parse("f.yaml", []byte(src))
	require.Error(t, err)
	assert.EqualError(t, err, "f.yaml:4:13: did not find expected ',' or '}'")
}

// A badly indented line of a fixture file is named as such.
func TestParseNamesBadIndentation(t *testing.T) {
	src := "cases:\n  - name: a\n    reason: b\n   expect: {penalty: none}\n"
	_, err := policytest.Parse("f.yaml", []byte(src))
	require.Error(t, err)
	assert.EqualError(t, err, "f.yaml:4:4: bad indentation: the line is indented by 3 spaces, but the keys and items above it "+
		"are indented by 4, 2 or 0; indent it like the key or item it goes with (yaml: did not find expected '-' indicator)")
}

func TestParseRefusesUnknownKeysAndNamelessCases(t *testing.T) {
	_, err := policytest.Parse("f.yaml", []byte("cases:\n  - name: a\n    reason: b\n    extra: 1\n"))
	assert.ErrorContains(t, err, "extra")
	_, err = policytest.Parse("f.yaml", []byte("cases:\n  - name: a\n    expect: {penalty: none}\n"))
	assert.ErrorContains(t, err, "f.yaml:2: case 1 needs a name and a reason")
}

// A fixture that spells the guards as guard notes used to (with hyphens)
// still passes; one that names the wrong guard fails, whichever spelling.
func TestFormerGuardSpellingsStillMatch(t *testing.T) {
	e := policy.Default()
	fixture := func(guards string) *policytest.Case {
		src := `cases:
  - name: owner only warned for unreviewed csam
    reason: a hash match alone cannot ban the owner
    input:
      target: account
      now: 2017-02-20T10:00:00Z
      group: {id: g1, owner: u-owner, admins: [u-admin], members: 40}
      account: {id: u-owner}
      violations:
        - {id: v1, category: csam, severity: critical, actor: u-member, evidence: {identifications: [{method: hash_match, confidence: 1}]}}
    expect:
      penalty: warn
      rule: focus-leader-ban
      matched: [focus-leader-ban]
      guards: ` + guards + `
      pending_review: true
`
		f, err := policytest.Parse("f.yaml", []byte(src))
		require.NoError(t, err)
		return &f.Cases[0]
	}
	ctx := context.Background()
	assert.Empty(t, fixture(`["double_judgment:lowered"]`).Check(ctx, e))
	assert.Empty(t, fixture(`["double-judgment:lowered"]`).Check(ctx, e), "the former spelling")
	assert.NotEmpty(t, fixture(`["due-process:lowered"]`).Check(ctx, e))
	assert.NotEmpty(t, fixture(`["double-judgment:pending"]`).Check(ctx, e))
	assert.NotEmpty(t, fixture(`["double-judgement:lowered"]`).Check(ctx, e))
}
