package main

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
)

func TestCasePath(t *testing.T) {
	for err, want := range map[error]string{
		fmt.Errorf("%w: %w", policy.ErrInvalidCase, &policy.Problem{Path: "now", Code: policy.CodeMissingField}): "now",
		fmt.Errorf("wrapped: %w", &policy.Problem{Path: "members[2].account.id", Code: policy.CodeMissingField}): "members[2].account.id",
		errors.New("context canceled"): "",
	} {
		assert.Equal(t, want, casePath(err), err.Error())
	}
}

// The engine's and the planner's errors for malformed cases name a field
// that casePath reads: if their form changed, errors would lose their line.
func TestCasePathReadsTheLibrarysErrors(t *testing.T) {
	_, err := policy.Default().Decide(t.Context(), policy.Case{Target: policy.TargetGroup})
	require.ErrorIs(t, err, policy.ErrInvalidCase)
	assert.NotEmpty(t, casePath(err), err.Error())

	_, err = enforcement.NewPlanner(policy.Default()).Plan(t.Context(), enforcement.GroupCase{
		Group:      policy.Group{ID: "g1", Owner: "u1", Members: 1},
		Members:    []policy.Membership{{Role: policy.RoleOwner}},
		Violations: []policy.Violation{{ID: "v1", Category: "spam", Severity: policy.SeverityLow}},
		Now:        time.Date(2017, 2, 20, 10, 0, 0, 0, time.UTC),
	})
	require.ErrorIs(t, err, enforcement.ErrInvalidGroupCase)
	assert.Equal(t, "members[0].account.id", casePath(err), err.Error())
}

func TestFirstMisfit(t *testing.T) {
	for _, tc := range []struct {
		src  string
		into any
		want string // line:col: path: message
	}{
		{"target: account\nviolations:\n  - id: v1\n    severity: extreme\n", &policy.Case{},
			`4:15: violations[0].severity: unknown severity "extreme" (want one of: low, medium, high, critical)`},
		{"target: acount\n", &policy.Case{}, `1:9: target: unknown target "acount" (want one of: account, group)`},
		{"now: yesterday\n", &policy.Case{}, `1:6: now: `},
		{"group: [g1]\n", &policy.Case{}, `1:8: group: want a mapping, not a list`},
		{"violations: {id: v1}\n", &policy.Case{}, `1:13: violations: want a list, not a mapping`},
		{"group: {id: g1, owner: {name: x}}\n", &policy.Case{}, `1:24: group.owner: want a single value, not a mapping`},
		{"group: {id: g1, size: 3}\n", &policy.Case{}, `1:17: group.size: unknown field (want one of: admins, created, history, id, members, owner)`},
		{"members: [{account: {id: a}, role: boss}]\n", &enforcement.GroupCase{}, `1:36: members[0].role: unknown role "boss" (want one of: owner, admin, member)`},
		{"group: {members: many}\n", &policy.Case{}, "1:18: group.members: cannot unmarshal !!str `many` into int"},
		{"target: group\naccount:\n", &policy.Case{}, ""},
	} {
		doc, err := parseDocument("case.yaml", []byte(tc.src))
		require.NoError(t, err)
		m := firstMisfit(doc.root, tc.into)
		if tc.want == "" {
			assert.Nil(t, m, tc.src)
			continue
		}
		require.NotNil(t, m, tc.src)
		assert.Contains(t, fmt.Sprintf("%d:%d: %s: %s", m.node.Line, m.node.Column, m.path, m.msg), tc.want, tc.src)
		// decode reports the same problem, at the same place.
		err = doc.decode(tc.into)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "case.yaml:"+tc.want)
	}
}

func TestSyntaxErrorLine(t *testing.T) {
	for src, want := range map[string]string{
		"a: b\nc: [1, 2\nd: 3\n":          "case.yaml:2:5: did not find expected ',' or ']'",
		"target: group\ngroup: {id: g1\n": "case.yaml:2:13: did not find expected ',' or '}'",
		"a: b\n  c: d\n": "case.yaml:2:3: bad indentation: the line is indented by 2 spaces, but the keys and items above it " +
			"are indented by 0; indent it like the key or item it goes with (yaml: mapping values are not allowed in this context)",
		"a: 'b\n": "case.yaml:1:4: found unexpected end of stream",
	} {
		_, err := parseDocument("case.yaml", []byte(src))
		require.Error(t, err)
		assert.Equal(t, want, err.Error(), src)
	}
}
