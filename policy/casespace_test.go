package policy

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// referenceOf compiles a policy's source twice: as Compile does, deciding
// by lookup in its case space, and without the space, every candidate's
// condition evaluated: the reference.
func referenceOf(t *testing.T, path string, src []byte, opts ...Option) (fast, slow *Engine) {
	t.Helper()
	fast, err := Compile(path, src, opts...)
	require.NoError(t, err)
	slow, err = Compile(path, src, withoutCaseSpace())
	require.NoError(t, err)
	return fast, slow
}

// sameDecision decides c both ways and requires the same outcome.
func sameDecision(t *testing.T, fast, slow *Engine, c Case, what string) {
	t.Helper()
	got, errGot := fast.Decide(context.Background(), c)
	want, errWant := slow.Decide(context.Background(), c)
	require.Equal(t, errWant, errGot, what)
	require.Equal(t, want, got, what)
}

// TestLookupDecidesFixturesAsReference decides every fixture input by
// lookup and the slow way: the decisions must be identical.
func TestLookupDecidesFixturesAsReference(t *testing.T) {
	paths, err := filepath.Glob("../testdata/cases/*.yaml")
	require.NoError(t, err)
	compared := 0
	for _, path := range paths {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		var file struct {
			Policy string `yaml:"policy"`
			Cases  []struct {
				Input Case `yaml:"input"`
			} `yaml:"cases"`
		}
		require.NoError(t, yaml.Unmarshal(data, &file), path)
		src, name := DefaultSource(), "default.yaml"
		if file.Policy != "" {
			name = filepath.Join(filepath.Dir(path), file.Policy)
			src, err = os.ReadFile(name)
			require.NoError(t, err)
		}
		fast, slow := referenceOf(t, name, src)
		for i, c := range file.Cases {
			sameDecision(t, fast, slow, c.Input, fmt.Sprintf("%s case %d", path, i+1))
			compared++
		}
	}
	require.Greater(t, compared, 100)
}

// TestLookupDecidesGeneratedCasesAsReference decides a large seeded set of
// generated cases by lookup and the slow way, on the default policy, on
// a policy full of residuals and numeric cuts, and on the same policy with
// a space so small that most rules fall back.
func TestLookupDecidesGeneratedCasesAsReference(t *testing.T) {
	mixed, err := os.ReadFile("testdata/casespace.yaml")
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		src  []byte
		opts []Option
		cats []string
	}{
		{"default", DefaultSource(), nil, nil},
		{"mixed", mixed, nil, []string{"csam", "spam", "fraud"}},
		{"mixed-fallback", mixed, []Option{withMaxCells(8)}, []string{"csam", "spam", "fraud"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fast, slow := referenceOf(t, tc.name+".yaml", tc.src, tc.opts...)
			require.NotNil(t, fast.p.Spaces[TargetAccount])
			require.NotNil(t, fast.p.Spaces[TargetGroup])
			residual := false
			for _, r := range fast.Rules() {
				residual = residual || len(r.Partition.Residuals) > 0
			}
			require.Equal(t, tc.name != "default", residual, "residuals run on the mixed policy")
			cats := tc.cats
			if cats == nil {
				for _, c := range fast.Categories() {
					cats = append(cats, c.Name)
				}
			}
			rng := rand.New(rand.NewPCG(13, uint64(len(tc.name))))
			for i := range 3000 {
				c := generatedCase(rng, cats)
				sameDecision(t, fast, slow, c, fmt.Sprintf("generated case %d: %+v", i, c))
			}
		})
	}
}

// A penalty expression over the severity is decided by the partition: its
// value is read from the cell (the fixtures of strikes.yaml decide it both
// ways in TestLookupDecidesFixturesAsReference).
func TestPartitionDecidesPenaltyExpressions(t *testing.T) {
	src, err := os.ReadFile("../testdata/policies/valid/strikes.yaml")
	require.NoError(t, err)
	e, err := Compile("strikes.yaml", src)
	require.NoError(t, err)
	decided := map[string]bool{}
	for _, r := range e.Rules() {
		decided[r.ID] = r.Partition.PenaltyDecided
	}
	require.Equal(t, map[string]bool{"severity-measure": true, "repeat-suspend": false, "group-short-restrict": false, "group-warn": false}, decided)
}

// TestSmallSpaceFallsBackRuleByRule: with a tiny size limit some rules
// fall back and are evaluated whole, and the others keep their partition.
func TestSmallSpaceFallsBackRuleByRule(t *testing.T) {
	mixed, err := os.ReadFile("testdata/casespace.yaml")
	require.NoError(t, err)
	e, err := Compile("casespace.yaml", mixed, withMaxCells(8))
	require.NoError(t, err)
	var fellBack, decided int
	for _, r := range e.Rules() {
		require.NotNil(t, r.Partition, r.ID)
		if r.Partition.Fallback {
			fellBack++
		} else {
			decided++
		}
	}
	require.Positive(t, fellBack)
	require.Positive(t, decided)
	for _, sp := range e.p.Spaces {
		if sp != nil {
			require.LessOrEqual(t, sp.Cells(), 8)
		}
	}
}

// generatedCase is a random valid case over the categories: a group with
// owner, admins and a member count, an account target in any role or the
// group, violations with any evidence, reviews, reports and history.
func generatedCase(rng *rand.Rand, cats []string) Case {
	now := time.Date(2017, 3, 1, 12, 0, 0, 0, time.UTC)
	ago := func(max time.Duration) time.Time { return now.Add(-time.Duration(rng.Int64N(int64(max)))) }
	ids := []string{"alice", "bob", "carol", "vip-dan", "erin"}
	g := Group{ID: []string{"g1", "g-special", "g2"}[rng.IntN(3)], Owner: "alice", Members: rng.IntN(300)}
	if rng.IntN(2) == 0 {
		g.Admins = []string{"bob"}
		if rng.IntN(2) == 0 {
			g.Admins = append(g.Admins, "vip-dan")
		}
	}
	if rng.IntN(3) > 0 {
		g.Created = ago(3 * 365 * 24 * time.Hour)
	}
	history := func() []Record {
		var h []Record
		for range rng.IntN(4) {
			h = append(h, Record{At: ago(500 * 24 * time.Hour), Penalty: Penalty(rng.IntN(5))})
		}
		return h
	}
	g.History = history()
	c := Case{Target: TargetGroup, Group: g, Now: now}
	if rng.IntN(4) > 0 {
		c.Target = TargetAccount
		a := &Account{ID: ids[rng.IntN(len(ids))], RealNameVerified: rng.IntN(2) == 0, History: history()}
		if rng.IntN(2) == 0 {
			a.Type = AccountBusiness
		}
		if rng.IntN(3) > 0 {
			a.Created = ago(90 * 24 * time.Hour)
		}
		c.Account = a
	}
	for i := range 1 + rng.IntN(3) {
		v := Violation{
			ID:       fmt.Sprintf("v%d-%s", i, ids[rng.IntN(len(ids))]),
			Category: cats[rng.IntN(len(cats))],
			Severity: Severity(1 + rng.IntN(4)),
		}
		if rng.IntN(4) > 0 {
			v.Actor = ids[rng.IntN(len(ids))]
		}
		for range rng.IntN(3) {
			v.Evidence.Identifications = append(v.Evidence.Identifications, Identification{Method: Method(1 + rng.IntN(3)), Confidence: rng.Float64()})
		}
		for range rng.IntN(8) {
			v.Evidence.Reports = append(v.Evidence.Reports, Report{Source: Source(1 + rng.IntN(3))})
		}
		for range rng.IntN(3) {
			v.Reviews = append(v.Reviews, Review{Reviewer: "rev", Verdict: Verdict(1 + rng.IntN(2)), At: ago(48 * time.Hour)})
		}
		c.Violations = append(c.Violations, v)
	}
	return c
}

// BenchmarkCompileCaseSpace compiles the default policy with its case
// space and without it: the difference is the cost of the partition.
func BenchmarkCompileCaseSpace(b *testing.B) {
	src := DefaultSource()
	for _, tc := range []struct {
		name string
		opts []Option
	}{{"with", nil}, {"without", []Option{withoutCaseSpace()}}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Compile(DefaultFile, src, tc.opts...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecideGroupCaseSpace decides a group of 200 members with a
// verified critical fraud violation by one of them, by lookup and the slow
// way: the member decisions per second of a campaign, before and after.
func BenchmarkDecideGroupCaseSpace(b *testing.B) {
	now := time.Date(2017, 2, 20, 10, 0, 0, 0, time.UTC)
	gc := GroupCase{Group: Group{ID: "g1", Owner: "m0", Admins: []string{"m1", "m2"}, Members: 200}, Now: now}
	for i := range 200 {
		role := RoleMember
		switch {
		case i == 0:
			role = RoleOwner
		case i < 3:
			role = RoleAdmin
		}
		gc.Members = append(gc.Members, Membership{Account: Account{ID: fmt.Sprintf("m%d", i)}, Role: role})
	}
	gc.Violations = []Violation{{ID: "v1", Category: "fraud", Severity: SeverityCritical, Actor: "m7",
		Evidence: Evidence{Identifications: []Identification{{Method: MethodClassifier, Confidence: 0.99}}},
		Reviews:  []Review{{Reviewer: "r1", Verdict: VerdictConfirmed, At: now.Add(-time.Hour)}}}}
	fast, slow := Default(), mustCompile(b, withoutCaseSpace())
	for _, tc := range []struct {
		name string
		e    *Engine
	}{{"lookup", fast}, {"slow", slow}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var dst []Decision
			for b.Loop() {
				var err error
				if dst, err = tc.e.DecideGroup(context.Background(), gc, dst[:0]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(gc.Members))*float64(b.N)/b.Elapsed().Seconds(), "members/s")
		})
	}
}

func mustCompile(tb testing.TB, opts ...Option) *Engine {
	tb.Helper()
	e, err := Compile(DefaultFile, DefaultSource(), opts...)
	require.NoError(tb, err)
	return e
}

// TestVariableChainCompilesInLinearTime: a chain of variables, each
// reading the one before twice, analyses each variable once a cell, so
// a policy of 64 of them compiles (analysed once a reference, the case
// space took 2^64 evaluations a cell). It then decides generated cases
// by lookup as it does the slow way, with and without a fallback.
func TestVariableChainCompilesInLinearTime(t *testing.T) {
	head, _, ok := strings.Cut(string(DefaultSource()), "\nvariables:")
	require.True(t, ok)
	var b strings.Builder
	b.WriteString(head + "\nvariables:\n  - name: v0\n    expression: violation.severity >= severity.high && violation.id != \"x\"\n")
	const n = 64
	for i := 1; i < n; i++ {
		op := pick(i, "&&", "||")
		fmt.Fprintf(&b, "  - name: v%d\n    expression: variables.v%d %s variables.v%d\n", i, i-1, op, i-1)
	}
	fmt.Fprintf(&b, "rules:\n  - id: chain\n    target: account\n    when: variables.v%d && subject.is_actor\n    penalty: warn\n    message: '\"x\"'\n    ground: {kind: contractual, reference: tos}\n", n-1)
	src := []byte(b.String())
	for _, opts := range [][]Option{nil, {withMaxCells(1)}} {
		done := make(chan struct{})
		var fast, slow *Engine
		go func() {
			defer close(done)
			fast, slow = referenceOf(t, "chain.yaml", src, opts...)
		}()
		select {
		case <-done:
		case <-time.After(time.Minute):
			t.Fatal("a chain of 64 variables did not compile in a minute")
		}
		require.NotNil(t, fast)
		rng := rand.New(rand.NewPCG(7, 64))
		matched := 0
		for i := range 300 {
			c := generatedCase(rng, []string{"spam", "fraud"})
			sameDecision(t, fast, slow, c, fmt.Sprintf("generated case %d", i))
			d, err := fast.Decide(context.Background(), c)
			require.NoError(t, err)
			if d.Rule == "chain" {
				matched++
			}
		}
		require.Positive(t, matched, "the chain rule matches some generated case")
	}
}

func pick(i int, xs ...string) string { return xs[i%len(xs)] }
