package policy_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"cel.dev/cel-go/cel"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/policy"
)

var benchNow = time.Date(2017, 2, 20, 10, 0, 0, 0, time.UTC)

func benchViolation(category string, sev policy.Severity, actor string) policy.Violation {
	return policy.Violation{
		ID: "v1", Category: category, Severity: sev, Actor: actor,
		Evidence: policy.Evidence{Identifications: []policy.Identification{{Method: policy.MethodHashMatch, Confidence: 1}}},
		Reviews:  []policy.Review{{Reviewer: "r1", Verdict: policy.VerdictConfirmed, At: benchNow.Add(-time.Hour)}},
	}
}

var benchGroup = policy.Group{ID: "g1", Owner: "owner", Admins: []string{"admin"}, Members: 50}

// benchCases are pre-built cases on the default policy: the owner of a
// group with verified CSAM, a member who committed graduated spam with a
// history, and the group itself.
func benchCases() map[string]policy.Case {
	history := []policy.Record{{At: benchNow.AddDate(0, -2, 0), Penalty: policy.PenaltyWarn, Category: "spam"}}
	return map[string]policy.Case{
		"account-owner-csam": {Target: policy.TargetAccount, Group: benchGroup, Account: &policy.Account{ID: "owner"},
			Violations: []policy.Violation{benchViolation("csam", policy.SeverityCritical, "member")}, Now: benchNow},
		"account-member-spam": {Target: policy.TargetAccount, Group: benchGroup, Account: &policy.Account{ID: "member", History: history},
			Violations: []policy.Violation{benchViolation("spam", policy.SeverityMedium, "member")}, Now: benchNow},
		"group-csam": {Target: policy.TargetGroup, Group: benchGroup,
			Violations: []policy.Violation{benchViolation("csam", policy.SeverityCritical, "member")}, Now: benchNow},
	}
}

// BenchmarkDecide measures one decision on the default policy for a
// pre-built case. BenchmarkBaselineCEL, in the same run, is the floor to
// quote it against.
func BenchmarkDecide(b *testing.B) {
	engine := policy.Default()
	ctx := context.Background()
	for _, name := range []string{"account-owner-csam", "account-member-spam", "group-csam"} {
		c := benchCases()[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := engine.Decide(ctx, c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBaselineCEL evaluates one plain cel-go program over a map
// activation: the cost of a single CEL condition with no engine around it.
func BenchmarkBaselineCEL(b *testing.B) {
	env, err := cel.NewEnv(cel.Variable("severity", cel.IntType), cel.Variable("role", cel.StringType))
	require.NoError(b, err)
	ast, iss := env.Compile(`severity >= 3 && (role == "owner" || role == "admin")`)
	require.NoError(b, iss.Err())
	prg, err := env.Program(ast)
	require.NoError(b, err)
	vars := map[string]any{"severity": 4, "role": "owner"}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := prg.Eval(vars); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecideManyRules shows the category index at work: the case's
// category has one rule whatever n is, and rules for the other 99
// categories should cost (almost) nothing.
func BenchmarkDecideManyRules(b *testing.B) {
	for _, n := range []int{10, 1000} {
		engine := manyRules(b, n)
		c := policy.Case{Target: policy.TargetAccount, Group: benchGroup, Account: &policy.Account{ID: "member"},
			Violations: []policy.Violation{benchViolation("c0", policy.SeverityHigh, "member")}, Now: benchNow}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := engine.Decide(context.Background(), c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// manyRules builds a policy of n rules: one for category c0, the others
// spread over categories c1 to c99.
func manyRules(tb testing.TB, n int) *policy.Engine {
	var s strings.Builder
	s.WriteString("name: many\nversion: \"1\"\nappeal: {route: help}\ncategories:\n")
	for i := range 100 {
		fmt.Fprintf(&s, "  - {name: c%d, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC}\n", i)
	}
	s.WriteString("rules:\n")
	for i := range n {
		fmt.Fprintf(&s, `  - id: r%d
    target: account
    when: violation.category == category.c%d && subject.is_actor && violation.severity >= severity.medium
    penalty: warn
    message: '"rule %d"'
    ground: {kind: contractual, reference: terms}
`, i, min(i, 1+i%99), i)
	}
	e, err := policy.Compile("many.yaml", []byte(s.String()))
	require.NoError(tb, err)
	return e
}

// BenchmarkCompile measures compiling the default policy.
func BenchmarkCompile(b *testing.B) {
	src := policy.DefaultSource()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := policy.Compile(policy.DefaultFile, src); err != nil {
			b.Fatal(err)
		}
	}
}
