package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/policy"
	"github.com/groupwarden/warden/policy/policytest"
)

// Every input of the fixture cases of testdata/cases, written out as YAML
// and as JSON and read back by eval and explain, gets the decision the
// engine gives, and explain tells the same story: the same penalty, and
// the rules that matched are those of the decision.
func TestEvalAndExplainAgreeWithTheEngine(t *testing.T) {
	files, err := filepath.Glob(cases + "/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	matchedRE := regexp.MustCompile(`(?m)^    matched   ([^:]+):`)
	n := 0
	for _, file := range files {
		fx, err := policytest.Load(file)
		require.NoError(t, err)
		engine, err := fx.Engine(policy.Default())
		require.NoError(t, err)
		var policyArgs []string
		if fx.Policy != "" {
			policyArgs = []string{"-policy", filepath.Join(filepath.Dir(file), fx.Policy)}
		}
		for _, c := range fx.Cases {
			t.Run(filepath.Base(file)+"/"+c.Name, func(t *testing.T) {
				n++
				asYAML, err := yaml.Marshal(c.Input)
				require.NoError(t, err)
				asJSON, err := json.Marshal(c.Input)
				require.NoError(t, err)
				want, decideErr := engine.Decide(t.Context(), c.Input)
				for _, in := range [][]byte{asYAML, asJSON} {
					var stdout, stderr bytes.Buffer
					status := run(append([]string{"eval", "-"}, policyArgs...), bytes.NewReader(in), &stdout, &stderr)
					if decideErr != nil {
						assert.Equal(t, exitFail, status)
						assert.Contains(t, stderr.String(), decideErr.Error())
						assert.Regexp(t, `^<stdin>:\d+:\d+: invalid case: `, stderr.String())
						continue
					}
					require.Equal(t, exitOK, status, stderr.String())
					var got policy.Decision
					require.NoError(t, json.Unmarshal(stdout.Bytes(), &got))
					assert.Equal(t, want, got)

					stdout.Reset()
					status = run(append([]string{"explain", "-"}, policyArgs...), bytes.NewReader(in), &stdout, &stderr)
					require.Equal(t, exitOK, status, stderr.String())
					text := stdout.String()
					assert.Contains(t, text, "\n  decision: "+string(mustText(t, want.Penalty)))
					matched := []string{}
					for _, m := range matchedRE.FindAllStringSubmatch(text, -1) {
						matched = append(matched, m[1])
					}
					assert.Equal(t, policytest.MatchedRules(want), matched)
					for _, g := range want.Guards {
						assert.Contains(t, text, g.Reason)
					}
				}
			})
		}
	}
	assert.Greater(t, n, 100, "too few fixture cases")
}

func mustText(t *testing.T, p policy.Penalty) []byte {
	t.Helper()
	b, err := p.MarshalText()
	require.NoError(t, err)
	return b
}

// A group case is decided for the group and then each member, as the
// planner decides them.
func TestEvalGroupCase(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.Equal(t, exitOK, run([]string{"eval", samples + "/spam_group.yaml"}, nil, &stdout, &stderr), stderr.String())
	var got []policy.Decision
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &got))
	var subjects []string
	for _, d := range got {
		subjects = append(subjects, d.Target.String()+" "+d.Subject)
	}
	assert.Equal(t, []string{"group g3", "account erin", "account frank", "account grace"}, subjects)
	assert.Equal(t, policy.PenaltySuspend, got[3].Penalty, "grace posted the spam and has a warning on record")

	stdout.Reset()
	require.Equal(t, exitOK, run([]string{"explain", samples + "/spam_group.yaml"}, nil, &stdout, &stderr), stderr.String())
	assert.Equal(t, 4, strings.Count(stdout.String(), "\n  decision: "))
}
