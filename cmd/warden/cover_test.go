package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/policy"
	"github.com/groupwarden/warden/policy/policytest"
)

// The coverage warden test -cover reports agrees with what the fixtures
// expect, counted apart: every fixture of testdata/cases passes, so the
// rules that matched are those their expect.matched lists name, the wins
// those their expect.rule names, and the guard notes by outcome those
// their expect.guards list.
func TestCoverAgreesWithExpectations(t *testing.T) {
	files, err := filepath.Glob(cases + "/*.yaml")
	require.NoError(t, err)
	var stdout, stderr bytes.Buffer
	status := run(append([]string{"test", "-json", "-cover"}, files...), nil, &stdout, &stderr)
	require.Equal(t, exitOK, status, stderr.String())
	var rep testReport
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep))

	type tally struct {
		decisions    int
		matched, won map[string]int
		guards       map[string]int
	}
	want := map[string]*tally{} // by policy name
	for _, file := range files {
		fx, err := policytest.Load(file)
		require.NoError(t, err)
		e, err := fx.Engine(policy.Default())
		require.NoError(t, err)
		name := e.Policy().Name
		if want[name] == nil {
			want[name] = &tally{matched: map[string]int{}, won: map[string]int{}, guards: map[string]int{}}
		}
		w := want[name]
		for _, c := range fx.Cases {
			if c.Expect.Error != "" {
				continue
			}
			w.decisions++
			seen := map[string]bool{}
			for _, r := range c.Expect.Matched {
				if !seen[r] {
					w.matched[r]++
				}
				seen[r] = true
			}
			if c.Expect.Rule != "" {
				w.won[c.Expect.Rule]++
			}
			for _, g := range c.Expect.Guards {
				w.guards[g]++
			}
		}
	}
	require.Len(t, rep.Coverage, len(want))
	for _, cov := range rep.Coverage {
		w := want[cov.Policy.Name]
		require.NotNil(t, w, cov.Policy.Name)
		assert.Equal(t, w.decisions, cov.Decisions, cov.Policy.Name)
		never := []string{}
		for _, r := range cov.Rules {
			assert.Equal(t, w.matched[r.ID], r.Matched, "%s: rule %s matched", cov.Policy.Name, r.ID)
			assert.Equal(t, w.won[r.ID], r.Won, "%s: rule %s won", cov.Policy.Name, r.ID)
			if w.matched[r.ID] == 0 {
				never = append(never, r.ID)
			}
		}
		assert.Equal(t, never, cov.NeverMatched, cov.Policy.Name)
		assert.InDelta(t, 100*float64(len(cov.Rules)-len(never))/float64(len(cov.Rules)), cov.Percent, 1e-9)
		for _, g := range cov.Guards {
			for action, n := range map[string]int{"lowered": g.Lowered, "pending": g.Pending, "disabled": g.Disabled} {
				assert.Equal(t, w.guards[g.Guard.String()+":"+action], n, "%s: %s:%s", cov.Policy.Name, g.Guard, action)
			}
		}
	}
}

// -cover-min fails exactly below its threshold, and the text output names
// the policy that falls short.
func TestCoverMin(t *testing.T) {
	file := cases + "/focus.yaml"
	var stdout, stderr bytes.Buffer
	require.Equal(t, exitOK, run([]string{"test", "-json", "-cover", file}, nil, &stdout, &stderr))
	var rep testReport
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep))
	require.Len(t, rep.Coverage, 1)
	pct := rep.Coverage[0].Percent
	require.Less(t, pct, 100.0, "focus.yaml should not cover every rule of the default policy")

	for _, tc := range []struct {
		min  float64
		want int
	}{{pct, exitOK}, {pct - 0.5, exitOK}, {pct + 0.5, exitFail}, {100, exitFail}} {
		stdout.Reset()
		got := run([]string{"test", "-cover-min", strconv.FormatFloat(tc.min, 'f', -1, 64), file}, nil, &stdout, &stderr)
		assert.Equal(t, tc.want, got, "-cover-min %v with %v%% covered", tc.min, pct)
		assert.Equal(t, tc.want == exitFail, strings.Contains(stdout.String(), "below -cover-min"), stdout.String())
	}
}
