package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/policy"
	"github.com/groupwarden/warden/policy/policytest"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/golden")

// session is one run of the command: its arguments, what it reads on
// standard input and the files it writes, all recorded with its output and
// exit status in testdata/golden/NAME.golden.
type session struct {
	name string
	// args may hold glob patterns, expanded before the run but recorded as
	// written, and $OUT, a directory for the files the command writes.
	args []string
	// stdin names a file whose content is standard input.
	stdin string
	// outputs are files under $OUT whose content the golden file records.
	outputs []string
	// copies are files copied into $OUT, under their base names, before
	// the run: the inputs of a command that rewrites its files.
	copies []string
}

const (
	corpus  = "../../testdata/policies/invalid/*.yaml"
	valid   = "../../testdata/policies/valid"
	cases   = "../../testdata/cases"
	samples = "../../testdata/eval"
	sample  = "../../testdata/campaign/sample.jsonl"
	input   = "testdata/input"
)

var sessions = []session{
	{name: "help", args: []string{"-h"}},
	{name: "help-eval", args: []string{"help", "eval"}},
	{name: "no-command"},
	{name: "unknown-command", args: []string{"frobnicate"}},
	{name: "unknown-flag", args: []string{"eval", "-polcy", "p.yaml", "case.yaml"}},

	{name: "version", args: []string{"version"}},
	{name: "version-json", args: []string{"version", "-json"}},
	{name: "version-args", args: []string{"version", "now"}},

	{name: "check-help", args: []string{"check", "-h"}},
	{name: "check-default", args: []string{"check"}},
	{name: "check-valid", args: []string{"check", valid + "/*.yaml"}},
	{name: "check-one", args: []string{"check", valid + "/strikes.yaml"}},
	{name: "check-stdin", args: []string{"check", "-"}, stdin: valid + "/everyone.yaml"},
	{name: "check-invalid-corpus", args: []string{"check", corpus}},
	{name: "check-json", args: []string{"check", "-json", valid + "/strikes.yaml", "../../testdata/policies/invalid/several-problems.yaml", "no-such-policy.yaml"}},
	{name: "check-json-ok", args: []string{"check", "-json"}},
	{name: "check-mixed", args: []string{"check", valid + "/strikes.yaml", "../../testdata/policies/invalid/several-problems.yaml", "no-such-policy.yaml"}},

	{name: "fmt-help", args: []string{"fmt", "-h"}},
	{name: "fmt-stdout", args: []string{"fmt", input + "/messy.yaml"}},
	{name: "fmt-stdin", args: []string{"fmt"}, stdin: input + "/messy.yaml"},
	{name: "fmt-list", args: []string{"fmt", "-l", input + "/messy.yaml", "../../policy/default.yaml", valid}},
	{name: "fmt-list-formatted", args: []string{"fmt", "-l", valid, cases, "../../policy/default.yaml"}},
	{name: "fmt-diff", args: []string{"fmt", "-d", input + "/messy.yaml"}},
	{name: "fmt-write", args: []string{"fmt", "-w", "-l", "$OUT/messy.yaml", "$OUT/strikes.yaml"},
		copies: []string{input + "/messy.yaml", valid + "/strikes.yaml"}, outputs: []string{"messy.yaml", "strikes.yaml"}},
	{name: "fmt-write-stdin", args: []string{"fmt", "-w", "-"}},
	{name: "fmt-bad-yaml", args: []string{"fmt", "-l", input + "/fixtures_bad_yaml.yaml", input + "/messy.yaml"}},
	{name: "fmt-two-documents", args: []string{"fmt", input + "/two_documents.yaml"}},
	{name: "fmt-missing-file", args: []string{"fmt", "-l", "no-such-policy.yaml"}},

	{name: "verify-help", args: []string{"verify", "-h"}},
	{name: "verify-default", args: []string{"verify"}},
	// -o is left out: the file names the policy relative to itself, and $OUT
	// lies elsewhere on every machine (TestVerifyCounterexamplesRunAsFixtures
	// runs what it writes).
	{name: "verify-broken", args: []string{"verify", "-policy", "../../testdata/policies/broken/default-broken.yaml",
		"-properties", "../../policy/default.properties.yaml"}},
	{name: "verify-broken-json", args: []string{"verify", "-json", "-policy", "../../testdata/policies/broken/default-broken.yaml",
		"-properties", "../../policy/default.properties.yaml"}},
	{name: "verify-winner-order", args: []string{"verify", "-policy", "../../testdata/policies/broken/winner-order.yaml",
		"-properties", "../../policy/default.properties.yaml"}},
	{name: "verify-against", args: []string{"verify", "-policy", "../../testdata/policies/broken/default-broken.yaml",
		"-properties", "../../policy/default.properties.yaml", "-against", "../../policy/default.yaml"}},
	// A change inside a cell of each policy alone, found by the joint
	// partition; a category only the new version declares.
	{name: "verify-against-joint", args: []string{"verify", "-policy", "../../testdata/policies/against/reports-new.yaml",
		"-against", "../../testdata/policies/against/reports-old.yaml"}},
	{name: "verify-against-joint-json", args: []string{"verify", "-json", "-policy", "../../testdata/policies/against/reports-new.yaml",
		"-against", "../../testdata/policies/against/reports-old.yaml"}},
	{name: "verify-against-same", args: []string{"verify", "-against", "../../policy/default.yaml"}},
	{name: "verify-no-properties", args: []string{"verify", "-policy", valid + "/strikes.yaml"}},
	{name: "verify-missing-properties", args: []string{"verify", "-properties", "no-such.properties.yaml"}},
	{name: "verify-args", args: []string{"verify", "extra"}},

	{name: "test-help", args: []string{"test", "-h"}},
	{name: "test-fixtures", args: []string{"test", cases + "/*.yaml"}},
	{name: "test-run", args: []string{"test", "-run", "csam", cases + "/focus.yaml", cases + "/members.yaml"}},
	{name: "test-run-no-match", args: []string{"test", cases + "/focus.yaml", "-run", "nothing-like-this"}},
	{name: "test-own-policy", args: []string{"test", input + "/fixtures_other_policy.yaml"}},
	{name: "test-failing", args: []string{"test", input + "/fixtures_failing.yaml"}},
	{name: "test-broken-fixture", args: []string{"test", input + "/fixtures_broken.yaml", input + "/fixtures_other_policy.yaml"}},
	{name: "test-every-fixture-problem", args: []string{"test", input + "/fixtures_many_problems.yaml"}},
	{name: "test-json-fixture-problems", args: []string{"test", "-json", input + "/fixtures_many_problems.yaml"}},
	{name: "test-bad-yaml", args: []string{"test", input + "/fixtures_bad_yaml.yaml"}},
	{name: "test-unknown-category", args: []string{"test", input + "/fixtures_unknown_category.yaml"}},
	{name: "test-broken-policy", args: []string{"test", "-policy", "../../testdata/policies/invalid/unknown-target.yaml", cases + "/focus.yaml"}},
	{name: "test-bad-pattern", args: []string{"test", "-run", "(", cases + "/focus.yaml"}},
	{name: "test-no-files", args: []string{"test"}},
	{name: "test-missing-file", args: []string{"test", cases + "/focus.yaml", "no-such-cases.yaml"}},
	{name: "test-cover", args: []string{"test", "-cover", cases + "/*.yaml"}},
	{name: "test-cover-min", args: []string{"test", "-cover-min", "50", cases + "/focus.yaml"}},
	{name: "test-cover-min-met", args: []string{"test", "-cover-min", "25", "-run", "csam", cases + "/focus.yaml"}},
	{name: "test-cover-min-range", args: []string{"test", "-cover-min", "150", cases + "/focus.yaml"}},
	{name: "test-json", args: []string{"test", "-json", input + "/fixtures_failing.yaml", input + "/fixtures_broken.yaml"}},
	{name: "test-json-cover", args: []string{"test", "-json", "-cover", input + "/fixtures_other_policy.yaml"}},

	{name: "eval-help", args: []string{"eval", "-h"}},
	{name: "eval-account", args: []string{"eval", samples + "/owner_csam.yaml"}},
	{name: "eval-json", args: []string{"eval", samples + "/group_unverified.json"}},
	{name: "eval-group-case", args: []string{"eval", samples + "/spam_group.yaml"}},
	{name: "eval-stdin", args: []string{"eval", "-"}, stdin: samples + "/owner_csam.yaml"},
	{name: "eval-policy", args: []string{"eval", "-policy", valid + "/guards_off.yaml", input + "/spam_bystander.yaml"}},
	{name: "eval-flag-after", args: []string{"eval", input + "/spam_bystander.yaml", "-policy", valid + "/everyone.yaml"}},
	{name: "eval-broken-policy", args: []string{"eval", "-policy", "../../testdata/policies/invalid/several-problems.yaml", samples + "/owner_csam.yaml"}},
	{name: "eval-missing-policy", args: []string{"eval", "-policy", "no-such-policy.yaml", samples + "/owner_csam.yaml"}},
	{name: "eval-two-args", args: []string{"eval", valid + "/everyone.yaml", samples + "/owner_csam.yaml"}},
	{name: "eval-missing-case", args: []string{"eval", "no-such-case.yaml"}},
	{name: "eval-bad-yaml", args: []string{"eval", input + "/bad_syntax.yaml"}},
	{name: "eval-bad-json", args: []string{"eval", input + "/bad_json.json"}},
	{name: "eval-bad-severity", args: []string{"eval", input + "/bad_severity.yaml"}},
	{name: "eval-unknown-field", args: []string{"eval", input + "/unknown_field.yaml"}},
	{name: "eval-unknown-category", args: []string{"eval", input + "/unknown_category.yaml"}},
	{name: "eval-role-mismatch", args: []string{"eval", input + "/role_mismatch.yaml"}},
	{name: "eval-missing-now", args: []string{"eval", input + "/missing_now.json"}},
	{name: "eval-empty", args: []string{"eval", input + "/empty.yaml"}},

	{name: "explain-help", args: []string{"explain", "-h"}},
	{name: "explain-account", args: []string{"explain", samples + "/owner_csam.yaml"}},
	{name: "explain-json", args: []string{"explain", samples + "/group_unverified.json"}},
	{name: "explain-group-case", args: []string{"explain", samples + "/spam_group.yaml"}},
	{name: "explain-guards-off", args: []string{"explain", "-policy", valid + "/guards_off.yaml", input + "/spam_bystander.yaml"}},
	{name: "explain-guards-on", args: []string{"explain", "-policy", valid + "/everyone.yaml", input + "/spam_bystander.yaml"}},
	{name: "eval-rule-error", args: []string{"eval", "-policy", input + "/runtime_error.yaml", input + "/spam_bystander.yaml"}},
	{name: "test-rule-error", args: []string{"test", input + "/fixtures_rule_error.yaml"}},
	{name: "campaign-too-many-workers", args: []string{"campaign", "-workers", "100000000", sample}},
	{name: "explain-rule-error", args: []string{"explain", "-policy", input + "/runtime_error.yaml", input + "/spam_bystander.yaml"}},
	{name: "explain-bad-severity", args: []string{"explain", input + "/bad_severity.yaml"}},
	{name: "explain-unknown-category", args: []string{"explain", input + "/unknown_category.yaml"}},
	{name: "explain-role-mismatch", args: []string{"explain", input + "/role_mismatch.yaml"}},
	{name: "explain-raises", args: []string{"explain", "-policy", input + "/raises.yaml", input + "/raises_case.yaml"}},

	{name: "campaign-help", args: []string{"campaign", "-h"}},
	{name: "campaign-text", args: []string{"campaign", sample}},
	{name: "campaign-json", args: []string{"campaign", "-json", "-name", "sample campaign", "-focus", "csam", sample}},
	{name: "campaign-progress", args: []string{"campaign", "-progress", "-every", "25", "-workers", "3", sample}},
	{name: "campaign-stdin", args: []string{"campaign", "-focus", "", "-"}, stdin: input + "/four.jsonl"},
	{name: "campaign-outputs", args: []string{"campaign", "-plans", "$OUT/plans.jsonl", "-statements", "$OUT/statements.jsonl", input + "/four.jsonl"},
		outputs: []string{"plans.jsonl", "statements.jsonl"}},
	{name: "campaign-unknown-focus", args: []string{"campaign", "-focus", "csam,piracy", sample}},
	{name: "campaign-bad-json", args: []string{"campaign", input + "/bad_json.jsonl"}},
	{name: "campaign-bad-severity", args: []string{"campaign", input + "/bad_severity.jsonl"}},
	{name: "campaign-bad-role", args: []string{"campaign", input + "/bad_role.jsonl"}},
	{name: "campaign-unknown-field", args: []string{"campaign", input + "/unknown_field.jsonl"}},
	{name: "campaign-unknown-category", args: []string{"campaign", input + "/unknown_category.jsonl"}},
	{name: "campaign-duplicate-member", args: []string{"campaign", input + "/duplicate_member.jsonl"}},
	{name: "campaign-two-values", args: []string{"campaign", input + "/two_values.jsonl"}},
	{name: "campaign-statement-refused", args: []string{"campaign", "-statements", "$OUT/statements.json", input + "/dated_2017.jsonl"}},
	{name: "campaign-missing-file", args: []string{"campaign", "no-such-cases.jsonl"}},
	{name: "campaign-no-args", args: []string{"campaign"}},

	{name: "shadow-help", args: []string{"shadow", "-h"}},
	{name: "shadow-text", args: []string{"shadow", "-candidate", input + "/candidate.yaml", sample}},
	{name: "shadow-json", args: []string{"shadow", "-json", "-candidate", input + "/candidate.yaml", input + "/four.jsonl"}},
	{name: "shadow-pending", args: []string{"shadow", "-candidate", input + "/candidate_no_dj.yaml", sample}},
	{name: "shadow-same", args: []string{"shadow", "-candidate", "../../policy/default.yaml", sample}},
	{name: "shadow-live-policy", args: []string{"shadow", "-policy", input + "/candidate.yaml", "-candidate", "../../policy/default.yaml", "-"}, stdin: input + "/four.jsonl"},
	{name: "shadow-no-candidate", args: []string{"shadow", sample}},
	{name: "shadow-broken-candidate", args: []string{"shadow", "-candidate", "../../testdata/policies/invalid/several-problems.yaml", sample}},
	{name: "shadow-missing-candidate", args: []string{"shadow", "-candidate", "no-such-policy.yaml", sample}},
	{name: "shadow-missing-cases", args: []string{"shadow", "-candidate", input + "/candidate.yaml", "no-such-cases.jsonl"}},
	{name: "shadow-no-cases", args: []string{"shadow", "-candidate", input + "/candidate.yaml", input + "/empty.jsonl"}},
	{name: "shadow-bad-case", args: []string{"shadow", "-candidate", input + "/candidate.yaml", input + "/duplicate_member.jsonl"}},
	{name: "shadow-bad-json", args: []string{"shadow", "-candidate", input + "/candidate.yaml", input + "/bad_json.jsonl"}},

	{name: "play-help", args: []string{"play", "-h"}},
	{name: "play-bad-addr", args: []string{"play", "-addr", "127.0.0.1:99999"}},
	{name: "play-missing-fixture", args: []string{"play", "no-such-fixtures.yaml"}},
}

// TestGolden runs every session and compares its output and exit status
// with its golden file; go test -update rewrites them.
func TestGolden(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range sessions {
		require.False(t, seen[s.name], "two sessions named %s", s.name)
		seen[s.name] = true
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			got := s.record(t)
			golden := filepath.Join("testdata", "golden", s.name+".golden")
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test ./cmd/warden -update to create it")
			assert.Equal(t, string(want), got)
		})
	}
	// No golden file is left over from a session that is gone.
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.golden"))
	require.NoError(t, err)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".golden")
		if !seen[name] {
			if *update {
				require.NoError(t, os.Remove(f))
				continue
			}
			t.Errorf("%s belongs to no session", f)
		}
	}
}

// record runs the session and renders what it did.
func (s session) record(t *testing.T) string {
	t.Helper()
	out := t.TempDir()
	for _, c := range s.copies {
		data, err := os.ReadFile(c)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(out, filepath.Base(c)), data, 0o644))
	}
	var args []string
	for _, a := range s.args {
		if strings.ContainsAny(a, "*?[") && !strings.HasPrefix(a, "-") {
			m, err := filepath.Glob(a)
			require.NoError(t, err)
			require.NotEmpty(t, m, "pattern %s", a)
			args = append(args, m...)
			continue
		}
		args = append(args, strings.ReplaceAll(a, "$OUT", out))
	}
	var stdin []byte
	if s.stdin != "" {
		var err error
		stdin, err = os.ReadFile(s.stdin)
		require.NoError(t, err)
	}
	var stdout, stderr bytes.Buffer
	status := run(args, bytes.NewReader(stdin), &stdout, &stderr)

	var b strings.Builder
	b.WriteString(strings.Join(append([]string{"$ warden"}, quoted(s.args)...), " "))
	if s.stdin != "" {
		fmt.Fprintf(&b, " < %s", s.stdin)
	}
	fmt.Fprintf(&b, "\nexit status %d\n", status)
	section := func(name, text string) {
		if text == "" {
			return
		}
		fmt.Fprintf(&b, "-- %s --\n%s", name, text)
		if !strings.HasSuffix(text, "\n") {
			b.WriteString("\n")
		}
	}
	section("stdout", strings.ReplaceAll(stdout.String(), out, "$OUT"))
	section("stderr", strings.ReplaceAll(stderr.String(), out, "$OUT"))
	for _, name := range s.outputs {
		data, err := os.ReadFile(filepath.Join(out, name))
		require.NoError(t, err, "the session writes no %s", name)
		section("$OUT/"+name, string(data))
	}
	return b.String()
}

func quoted(args []string) []string {
	out := slices.Clone(args)
	for i, a := range out {
		if a == "" || strings.ContainsAny(a, " ()") {
			out[i] = "'" + a + "'"
		}
	}
	return out
}

// The counterexamples warden verify writes are fixture cases that warden
// test runs, against the policy they were found in, and they pass: they pin
// today's decisions.
func TestVerifyCounterexamplesRunAsFixtures(t *testing.T) {
	out := filepath.Join(t.TempDir(), "cx.yaml")
	broken := "../../testdata/policies/broken/default-broken.yaml"
	var stdout, stderr bytes.Buffer
	status := run([]string{"verify", "-policy", broken, "-properties", "../../policy/default.properties.yaml", "-o", out}, strings.NewReader(""), &stdout, &stderr)
	require.Equal(t, exitFail, status, stderr.String())
	stdout.Reset()
	status = run([]string{"test", out}, strings.NewReader(""), &stdout, &stderr)
	require.Equal(t, exitOK, status, stdout.String()+stderr.String())
	assert.Contains(t, stdout.String(), "PASS: 3 cases in 1 file")
}

// A counterexample of two violations is a fixture case with both, which
// warden test runs against the policy it was found in and which reproduces
// the decision verify reported; pointed at the policy it breaks from (the
// default, where the zero-tolerance rule wins the tie), the same fixture
// fails: it pins the broken decision.
func TestVerifyPairCounterexampleRunsAsFixture(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "cx.yaml")
	broken := "../../testdata/policies/broken/winner-order.yaml"
	var stdout, stderr bytes.Buffer
	status := run([]string{"verify", "-policy", broken, "-properties", "../../policy/default.properties.yaml", "-o", out}, strings.NewReader(""), &stdout, &stderr)
	require.Equal(t, exitFail, status, stderr.String())
	assert.Contains(t, stdout.String(), "FAIL  zero-tolerance-decides")
	assert.Contains(t, stdout.String(), "account 6912 of 6912")

	fx, err := policytest.Load(out)
	require.NoError(t, err)
	require.Len(t, fx.Cases, 1)
	c := fx.Cases[0]
	assert.Equal(t, "counterexample to zero-tolerance-decides", c.Name)
	require.Len(t, c.Input.Violations, 2)
	assert.Equal(t, "other-actor-critical", c.Expect.Rule)
	assert.Equal(t, policy.PenaltyBan, c.Expect.Penalty)

	stdout.Reset()
	status = run([]string{"test", out}, strings.NewReader(""), &stdout, &stderr)
	require.Equal(t, exitOK, status, stdout.String()+stderr.String())
	assert.Contains(t, stdout.String(), "PASS: 1 case in 1 file")

	src, err := os.ReadFile(out)
	require.NoError(t, err)
	abs, err := filepath.Abs("../../policy/default.yaml")
	require.NoError(t, err)
	rel, err := filepath.Rel(dir, abs)
	require.NoError(t, err)
	fixed := regexp.MustCompile(`(?m)^policy: .*$`).ReplaceAll(src, []byte("policy: "+filepath.ToSlash(rel)))
	require.NotEqual(t, src, fixed, "the fixture names its policy")
	require.NoError(t, os.WriteFile(out, fixed, 0o644))
	stdout.Reset()
	status = run([]string{"test", out}, strings.NewReader(""), &stdout, &stderr)
	require.Equal(t, exitFail, status, stdout.String()+stderr.String())
	assert.Contains(t, stdout.String(), "rule: got focus-actor-ban, want other-actor-critical")
}

// The help and RULES.md quote the pair limit of verify.
func TestVerifyUsageQuotesThePairLimit(t *testing.T) {
	n := fmt.Sprintf("%d,%03d", policy.MaxVerifyPairs/1000, policy.MaxVerifyPairs%1000)
	assert.Contains(t, verifyUsage, n)
	rules, err := os.ReadFile("../../RULES.md")
	require.NoError(t, err)
	assert.Contains(t, string(rules), n)
}
