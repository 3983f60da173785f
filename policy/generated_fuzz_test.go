package policy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/internal/seeds"
	"github.com/groupwarden/warden/policy"
	"github.com/groupwarden/warden/policy/policytest"
)

// The parts a generated policy is made of: conditions, penalties and
// messages as rule authors write them, good and bad.
var (
	genWhen = []string{
		"true", "false", "violation.zero_tolerance", "!violation.zero_tolerance",
		"subject.is_actor", "!subject.is_actor", "variables.leader", "variables.leader && variables.serious",
		"violation.severity >= severity.high", "violation.severity == severity.critical",
		"subject.role == role.member", "size(violation.id) > 3",
	}
	genPenalty = map[string][]struct{ penalty, duration string }{
		"account": {{"warn", ""}, {"suspend", "1d"}, {"suspend", "90d"}, {"ban", ""}},
		"group":   {{"warn", ""}, {"restrict", "7d"}, {"restrict", "72h"}, {"suspend", "30d"}, {"close", ""}},
	}
	// What a byte of 255 picks instead: a rule the compiler refuses.
	genBadWhen    = "violation.severity <"
	genBadPenalty = struct{ penalty, duration string }{"suspend", ""}
	genMessage    = []string{
		`'"Your account received a measure."'`,
		`'"The group was closed for a violation."'`,
		`'subject.is_actor ? "You broke the rules." : "Your group broke the rules."'`,
		`'"Measure for violation " + violation.id + "."'`,
		`'"Measure of " + subject.id + "."'`,
	}
	genTarget = []string{"account", "group"}
)

// generatePolicy writes a policy from shape, one byte a choice: its guards
// (all on unless the first byte says otherwise) and up to four rules, each
// a target, a condition, a penalty and a message. It reports whether every
// guard is on.
func generatePolicy(shape []byte) (src []byte, guarded bool) {
	pick := func(i int) int {
		if i < len(shape) {
			return int(shape[i])
		}
		return i
	}
	flags := pick(0)
	guarded = flags&0x80 == 0
	var b strings.Builder
	b.WriteString("name: generated\nversion: 0.0.1\nappeal:\n  route: \"Settings > Appeals\"\n  window: 183d\nguards:\n")
	for i, g := range []string{"double_judgment", "no_collective_punishment", "proportionality", "due_process"} {
		fmt.Fprintf(&b, "  %s: {enabled: %t}\n", g, guarded || flags&(1<<i) == 0)
	}
	b.WriteString(`categories:
  - {name: spam, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC}
  - {name: fraud, dsa_category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD}
  - {name: csam, dsa_category: STATEMENT_CATEGORY_PROTECTION_OF_MINORS, zero_tolerance: true}
  - {name: pii_trafficking, dsa_category: STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS, zero_tolerance: true}
variables:
  - {name: leader, expression: "subject.role == role.owner || subject.role == role.admin"}
  - {name: serious, expression: "violation.severity >= severity.high"}
rules:
`)
	rules := 1 + pick(1)%4
	for r := range rules {
		at := 2 + 4*r
		target := genTarget[pick(at)%2]
		when := genWhen[pick(at+1)%len(genWhen)]
		if pick(at+1) == 255 {
			when = genBadWhen
		}
		p := genPenalty[target][pick(at+2)%len(genPenalty[target])]
		if pick(at+2) == 255 {
			p = genBadPenalty
		}
		fmt.Fprintf(&b, "  - id: rule-%d\n    target: %s\n    when: %q\n    penalty: %s\n", r, target, when, p.penalty)
		if p.duration != "" {
			fmt.Fprintf(&b, "    duration: %s\n", p.duration)
		}
		fmt.Fprintf(&b, "    message: %s\n    ground: {kind: contractual, reference: Terms of service}\n", genMessage[pick(at+3)%len(genMessage)])
	}
	return []byte(b.String()), guarded
}

// fixtureCases returns the input of every case under testdata/cases, as YAML.
func fixtureCases(f *testing.F) [][]byte {
	f.Helper()
	paths, err := filepath.Glob("../testdata/cases/*.yaml")
	require.NoError(f, err)
	var out [][]byte
	for _, p := range paths {
		file, err := policytest.Load(p)
		require.NoError(f, err)
		for _, c := range file.Cases {
			b, err := yaml.Marshal(c.Input)
			require.NoError(f, err)
			out = append(out, b)
		}
	}
	require.NotEmpty(f, out)
	return out
}

// FuzzDecideGenerated decides the fixture cases, and mutations of them,
// under generated policies: careless rules that ban everyone, close every
// group, quote ids in messages, with the guards on or some turned off. A
// policy either compiles or is refused with no engine; deciding never
// panics, an error means no decision, deciding twice gives the same
// decision, and with every guard on each decision keeps the promises of
// the guards (checkPromises): no penalty above a warning without a
// verified violation except a group's provisional restriction, no member
// penalised for another's act, no guard raising a penalty.
func FuzzDecideGenerated(f *testing.F) {
	cases := fixtureCases(f)
	for i, c := range cases {
		f.Add([]byte{byte(i * 37), byte(i), byte(i * 3), byte(i * 5), byte(i * 7), byte(i * 11)}, c)
	}
	f.Add([]byte{0, 1, 0, 0, 3, 3, 1, 0, 4, 3}, cases[0])    // ban everyone, close every group
	f.Add([]byte{0x8f, 1, 0, 0, 3, 3, 1, 0, 4, 3}, cases[0]) // the same with every guard off
	f.Add([]byte{0, 0, 0, 255, 0, 0}, cases[0])              // refused
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, shape, data []byte) {
		var c policy.Case
		if yaml.Unmarshal(data, &c) != nil {
			return
		}
		src, guarded := generatePolicy(shape)
		engine, err := policy.Compile("generated.yaml", src)
		if err != nil {
			require.Nil(t, engine, "an engine returned with an error")
			return
		}
		d, err := engine.Decide(ctx, c)
		if err != nil {
			require.Zero(t, d, "an error means no decision")
			return
		}
		again, err := engine.Decide(ctx, c)
		require.NoError(t, err)
		require.Equal(t, d, again, "deciding twice must give the same decision")
		require.True(t, d.Penalty.AppliesTo(c.Target), "%s cannot be given to a %s", d.Penalty, c.Target)
		for _, g := range d.Guards {
			require.LessOrEqual(t, g.To.Level(), g.From.Level(), "a guard never raises a penalty")
		}
		if guarded {
			checkPromises(t, engine, c, d)
		}
	})
}

// groupSeeds returns the group cases of testdata/plans and the campaign
// sample, as JSON.
func groupSeeds(f *testing.F) [][]byte {
	f.Helper()
	out, err := seeds.GroupCases("../testdata")
	require.NoError(f, err)
	return out
}

// FuzzDecideGroup decides group cases on the default policy, seeded with
// the group cases of testdata/plans and the campaign sample. An error
// leaves the destination slice unchanged; otherwise there is one decision
// for the group and one a member, in order, each what Decide gives for the
// group's and the member's case; deciding twice gives the same decisions;
// and every decision keeps the promises of the guards.
func FuzzDecideGroup(f *testing.F) {
	for _, s := range groupSeeds(f) {
		f.Add(s)
	}
	engine := policy.Default()
	ctx := context.Background()
	sentinel := policy.Decision{Rule: "sentinel"}
	f.Fuzz(func(t *testing.T, data []byte) {
		var gc policy.GroupCase
		if json.Unmarshal(data, &gc) != nil || len(gc.Members) > 200 {
			return
		}
		dst := []policy.Decision{sentinel}
		ds, err := engine.DecideGroup(ctx, gc, dst)
		if err != nil {
			require.Equal(t, []policy.Decision{sentinel}, ds, "an error leaves dst unchanged")
			require.ErrorIs(t, err, policy.ErrInvalidCase)
			return
		}
		require.Len(t, ds, 2+len(gc.Members), "the group's decision and one a member")
		require.Equal(t, sentinel, ds[0])
		again, err := engine.DecideGroup(ctx, gc, nil)
		require.NoError(t, err)
		require.Equal(t, ds[1:], again, "deciding twice must give the same decisions")
		cases := []policy.Case{gc.GroupCase()}
		for i := range gc.Members {
			cases = append(cases, gc.MemberCase(i))
		}
		for i, c := range cases {
			d, err := engine.Decide(ctx, c)
			require.NoError(t, err, "case %d of a group case that decides", i)
			require.Equal(t, d, ds[1+i], "case %d: DecideGroup and Decide differ", i)
			checkPromises(t, engine, c, d)
		}
	})
}
