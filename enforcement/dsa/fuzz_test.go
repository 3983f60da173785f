package dsa_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/enforcement/dsa"
	"github.com/groupwarden/warden/policy"
)

// fixtureCases returns the group cases of testdata/plans, dated as
// loadCase dates them, as JSON.
func fixtureCases(f *testing.F) [][]byte {
	f.Helper()
	paths, err := filepath.Glob("../../testdata/plans/*.yaml")
	require.NoError(f, err)
	require.NotEmpty(f, paths)
	var out [][]byte
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(f, err)
		var fx struct {
			Case enforcement.GroupCase `yaml:"case"`
		}
		require.NoError(f, yaml.Unmarshal(data, &fx), p)
		b, err := json.Marshal(shift(fx.Case, 9*365*24*time.Hour))
		require.NoError(f, err)
		out = append(out, b)
	}
	return out
}

// leakyPolicy is the default policy with every message reading the
// account, the group and the violation, as in TestStatementsNameNobody.
func leakyPolicy(f *testing.F) *policy.Engine {
	f.Helper()
	src, err := os.ReadFile("../../policy/default.yaml")
	require.NoError(f, err)
	leaky := strings.ReplaceAll(string(src), "message: >-\n      \"", `message: >-
      subject.id + " in " + group.id + " for " + violation.id + ": " + "`)
	leaky = strings.ReplaceAll(leaky, `message: '"`, `message: 'subject.id + " " + violation.id + " " + "`)
	e, err := policy.Compile("leaky.yaml", []byte(leaky))
	require.NoError(f, err)
	return e
}

// FuzzStatements builds the statements of reasons of plans of fuzzed group
// cases, on the default policy and on one whose messages quote every id,
// seeded with the group cases of testdata/plans. Every id of the case is
// first renamed to a long unique form, so that finding one in a statement
// can only be a leak. An error means no statements; every statement built
// validates, names no account, group, violation or reviewer, and has a
// puid of its own; building twice gives the same statements; the batches
// hold at most MaxBatch statements each and validate; and written as JSON
// lines they read back as the same statements.
func FuzzStatements(f *testing.F) {
	for i, s := range fixtureCases(f) {
		f.Add(s, i%2 == 0)
	}
	engines := map[bool]*policy.Engine{false: policy.Default(), true: leakyPolicy(f)}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte, leaky bool) {
		var gc enforcement.GroupCase
		if json.Unmarshal(data, &gc) != nil || len(gc.Members) > 100 || len(gc.Violations) > 20 {
			return
		}
		gc = renamedAll(gc)
		e := engines[leaky]
		plan, err := enforcement.NewPlanner(e).Plan(ctx, gc)
		if err != nil {
			return
		}
		statements, err := dsa.FromPlan(plan, e)
		if err != nil {
			require.Nil(t, statements, "an error means no statements")
			return
		}
		ids := []string{gc.Group.ID, gc.Group.Owner}
		ids = append(ids, gc.Group.Admins...)
		for _, m := range gc.Members {
			ids = append(ids, m.Account.ID)
		}
		for _, v := range gc.Violations {
			ids = append(ids, v.ID, v.Actor, v.Group)
			for _, r := range v.Reviews {
				ids = append(ids, r.Reviewer)
			}
		}
		puids := map[string]bool{}
		for i := range statements {
			s := &statements[i]
			require.NoError(t, s.Validate(), "a statement built validates")
			require.False(t, puids[s.PUID], "puid %s twice", s.PUID)
			puids[s.PUID] = true
			raw, err := json.Marshal(s)
			require.NoError(t, err)
			for _, id := range ids {
				if id != "" {
					require.NotContains(t, string(raw), id, "a statement names an id")
				}
			}
		}
		again, err := dsa.FromPlan(plan, e)
		require.NoError(t, err)
		require.Equal(t, statements, again, "building twice gives the same statements")
		for _, b := range dsa.Batches(statements) {
			require.LessOrEqual(t, len(b.Statements), dsa.MaxBatch)
			require.NoError(t, b.Validate())
		}
		var out bytes.Buffer
		w := dsa.NewWriter(&out)
		require.NoError(t, w.Write(statements...))
		require.NoError(t, w.Write(statements...), "the same statements written again are dropped")
		require.NoError(t, w.Close())
		require.Equal(t, len(statements), w.Written())
		batches, err := dsa.ReadLines(&out)
		require.NoError(t, err)
		var read []dsa.Statement
		for _, b := range batches {
			read = append(read, b.Statements...)
		}
		requireSameStatements(t, statements, read)
	})
}

// renamedAll renames the ids renamed does and the reviewers too.
func renamedAll(gc enforcement.GroupCase) enforcement.GroupCase {
	gc = renamed(gc)
	vs := make([]policy.Violation, len(gc.Violations))
	for i, v := range gc.Violations {
		rs := make([]policy.Review, len(v.Reviews))
		for j, r := range v.Reviews {
			if r.Reviewer != "" {
				r.Reviewer = "REVIEWER" + strings.ToUpper(r.Reviewer) + "ZZ"
			}
			rs[j] = r
		}
		v.Reviews = rs
		vs[i] = v
	}
	gc.Violations = vs
	return gc
}

// requireSameStatements checks that a and b write the same JSON.
func requireSameStatements(t *testing.T, a, b []dsa.Statement) {
	t.Helper()
	ja, err := json.Marshal(a)
	require.NoError(t, err)
	jb, err := json.Marshal(b)
	require.NoError(t, err)
	require.JSONEq(t, string(ja), string(jb))
}

// FuzzReadLines reads files of statement batches, seeded with the
// reference examples of testdata/dsa as batch lines and with the lines a
// Writer writes for the fixture plans. An error means no batches; a file
// read has batches of at most MaxBatch statements that validate, with no
// puid twice; and written again by a Writer it reads back the same.
func FuzzReadLines(f *testing.F) {
	for _, name := range []string{"example_statement.json", "example_multi_statements.json"} {
		raw, err := os.ReadFile("../../testdata/dsa/" + name)
		require.NoError(f, err)
		var line bytes.Buffer
		if bytes.Contains(raw, []byte(`"statements"`)) {
			require.NoError(f, json.Compact(&line, raw))
		} else {
			var s json.RawMessage
			require.NoError(f, json.Unmarshal(raw, &s))
			var c bytes.Buffer
			require.NoError(f, json.Compact(&c, s))
			line.WriteString(`{"statements":[` + c.String() + `]}`)
		}
		f.Add(append(line.Bytes(), '\n'))
	}
	ctx := context.Background()
	engine := policy.Default()
	for _, data := range fixtureCases(f) {
		var gc enforcement.GroupCase
		require.NoError(f, json.Unmarshal(data, &gc))
		plan, err := enforcement.NewPlanner(engine).Plan(ctx, gc)
		require.NoError(f, err)
		statements, err := dsa.FromPlan(plan, engine)
		require.NoError(f, err)
		var out bytes.Buffer
		w := dsa.NewWriter(&out)
		require.NoError(f, w.Write(statements...))
		require.NoError(f, w.Close())
		f.Add(out.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		batches, err := dsa.ReadLines(bytes.NewReader(data))
		if err != nil {
			require.Nil(t, batches, "an error means no batches")
			return
		}
		puids := map[string]bool{}
		var all []dsa.Statement
		for _, b := range batches {
			require.LessOrEqual(t, len(b.Statements), dsa.MaxBatch)
			require.NoError(t, b.Validate())
			for _, s := range b.Statements {
				require.False(t, puids[s.PUID], "puid %s twice", s.PUID)
				puids[s.PUID] = true
				require.NoError(t, s.Validate())
			}
			all = append(all, b.Statements...)
		}
		var out bytes.Buffer
		w := dsa.NewWriter(&out)
		require.NoError(t, w.Write(all...), "statements read are written again")
		require.NoError(t, w.Close())
		back, err := dsa.ReadLines(&out)
		require.NoError(t, err, "statements written again read back:\n%s", out.Bytes())
		var read []dsa.Statement
		for _, b := range back {
			read = append(read, b.Statements...)
		}
		requireSameStatements(t, all, read)
	})
}
