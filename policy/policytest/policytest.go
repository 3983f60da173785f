// Package policytest runs YAML fixture cases against a warden policy, inside
// `go test` or from a tool. A fixture file holds cases, each with a name, a
// reason, the input case and the expected decision:
//
//	policy: ../policies/valid/strict.yaml   # optional, relative to this file
//	cases:
//	  - name: owner banned for verified CSAM
//	    reason: zero tolerance; the owner answers for the group
//	    input:
//	      target: account
//	      now: 2017-02-20T10:00:00Z
//	      group: {id: g1, owner: u1, members: 40}
//	      account: {id: u1}
//	      violations:
//	        - id: v1
//	          category: csam
//	          severity: critical
//	          evidence: {identifications: [{method: hash_match, confidence: 1}]}
//	          reviews: [{reviewer: r1, verdict: confirmed, at: 2017-02-20T09:00:00Z}]
//	    expect:
//	      penalty: ban
//	      rule: focus-leader-ban
//	      matched: [focus-leader-ban]
//
// Every field of expect is checked: one left out expects the empty value
// (no duration, no matched rules, no guard notes, not pending). Guard notes
// are written guard:action, as in "double_judgment:lowered". A case whose
// input is malformed expects `error:` with a part of the message instead.
package policytest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/internal/yamlpos"
	"github.com/groupwarden/warden/policy"
)

// File is a fixture file: an optional policy and its cases.
type File struct {
	// Path is where the file was read from.
	Path string `yaml:"-"`
	// Policy is the path of the policy the cases run against, relative to
	// the file; empty means the engine the caller gives (by default the
	// embedded default policy).
	Policy string `yaml:"policy,omitempty"`
	Cases  []Case `yaml:"cases"`
}

// Case is one fixture case.
type Case struct {
	Name   string      `yaml:"name"`
	Reason string      `yaml:"reason"`
	Input  policy.Case `yaml:"input"`
	Expect Expect      `yaml:"expect"`
	// Line is the line of the case in its file.
	Line int `yaml:"-"`
}

// Expect is the decision a case expects.
type Expect struct {
	Penalty  policy.Penalty  `yaml:"penalty"`
	Duration policy.Duration `yaml:"duration,omitempty"`
	// Rule is the winning rule; empty when the penalty is none.
	Rule string `yaml:"rule,omitempty"`
	// Matched lists the rule id of every match, in the order of Decision.Matches.
	Matched []string `yaml:"matched,omitempty"`
	// Guards lists every guard note as guard:action, in order.
	Guards        []string `yaml:"guards,omitempty"`
	PendingReview bool     `yaml:"pending_review,omitempty"`
	// ReasonContains, when set, must appear in the decision's reason.
	ReasonContains string `yaml:"reason_contains,omitempty"`
	// Error, when set, expects Decide to refuse the case with an error
	// containing this text.
	Error string `yaml:"error,omitempty"`
}

// Parse reads a fixture file's content. Unknown keys are errors, reported
// with their line.
func Parse(path string, data []byte) (*File, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, syntaxError(path, data, err)
	}
	if line := yamlpos.SecondDocument(data); line > 0 {
		return nil, fmt.Errorf("%s:%d: a second YAML document after ---: a fixture file holds one, and its cases would not run", path, line)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	f := &File{Path: path}
	if err := dec.Decode(f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(f.Cases) == 0 {
		return nil, fmt.Errorf("%s: no cases", path)
	}
	// Record each case's line for failure messages.
	if root := doc.Content; len(root) > 0 {
		for i := 0; i+1 < len(root[0].Content); i += 2 {
			if root[0].Content[i].Value == "cases" {
				for j, n := range root[0].Content[i+1].Content {
					if j < len(f.Cases) {
						f.Cases[j].Line = n.Line
					}
				}
			}
		}
	}
	for i, c := range f.Cases {
		if c.Name == "" || c.Reason == "" {
			return nil, fmt.Errorf("%s:%d: case %d needs a name and a reason", path, c.Line, i+1)
		}
	}
	return f, nil
}

// syntaxError places a YAML syntax error at the line and column of the
// problem, which yaml.v3's own message often misstates or omits, as
// path:line:col: problem.
func syntaxError(path string, data []byte, err error) error {
	at := yamlpos.Locate(strings.Split(string(data), "\n"), yamlpos.Messages(err)[0], yamlpos.Unmarshal)
	if at.Line == 0 {
		return fmt.Errorf("%s: %s", path, at.Message)
	}
	return fmt.Errorf("%s:%d:%d: %s", path, at.Line, at.Column, at.Message)
}

// Load reads and parses a fixture file.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Engine returns the engine the file's cases run against: the policy the
// file names, compiled, or def when it names none.
func (f *File) Engine(def *policy.Engine) (*policy.Engine, error) {
	if f.Policy == "" {
		return def, nil
	}
	path := filepath.Join(filepath.Dir(f.Path), f.Policy)
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return policy.Compile(path, src)
}

// Check decides the case twice (a decision must not depend on anything but
// its input) and returns every difference from what it expects, one line
// each; none means the case passes.
func (c *Case) Check(ctx context.Context, e *policy.Engine) []string {
	d, err := e.Decide(ctx, c.Input)
	if c.Expect.Error != "" {
		switch {
		case err == nil:
			return []string{fmt.Sprintf("want error containing %q, got decision %s", c.Expect.Error, d.Penalty)}
		case !strings.Contains(err.Error(), c.Expect.Error):
			return []string{fmt.Sprintf("want error containing %q, got %q", c.Expect.Error, err)}
		}
		return nil
	}
	if err != nil {
		return []string{fmt.Sprintf("unexpected error: %v", err)}
	}
	var diffs []string
	diff := func(what string, got, want any) {
		if !reflect.DeepEqual(got, want) {
			diffs = append(diffs, fmt.Sprintf("%s: got %v, want %v", what, got, want))
		}
	}
	x := c.Expect
	diff("penalty", d.Penalty, x.Penalty)
	diff("duration", d.Duration, x.Duration)
	diff("rule", d.Rule, x.Rule)
	diff("matched", MatchedRules(d), orEmpty(x.Matched))
	diff("guards", GuardNotes(d), canonicalNotes(x.Guards))
	diff("pending_review", d.PendingReview, x.PendingReview)
	if x.ReasonContains != "" && !strings.Contains(d.Reason, x.ReasonContains) {
		diffs = append(diffs, fmt.Sprintf("reason: %q does not contain %q", d.Reason, x.ReasonContains))
	}
	for _, re := range d.Errors {
		diffs = append(diffs, fmt.Sprintf("rule error: %s on %s: %s", re.Rule, re.Violation, re.Message))
	}
	again, err := e.Decide(ctx, c.Input)
	if err != nil || !reflect.DeepEqual(d, again) {
		diffs = append(diffs, "deciding the same case twice gave different results")
	}
	return diffs
}

// MatchedRules lists the rule of each match of a decision, in order.
func MatchedRules(d policy.Decision) []string {
	out := []string{}
	for _, m := range d.Matches {
		out = append(out, m.Rule)
	}
	return out
}

// GuardNotes lists each guard note of a decision as guard:action, in order.
func GuardNotes(d policy.Decision) []string {
	out := []string{}
	for _, g := range d.Guards {
		out = append(out, g.Guard.String()+":"+g.Action.String())
	}
	return out
}

// canonicalNotes returns the guard notes a case expects, each guard spelt
// as a decision spells it: a former spelling (double-judgment:lowered)
// still matches. A note that names no guard is left as written.
func canonicalNotes(notes []string) []string {
	out := orEmpty(slices.Clone(notes))
	for i, n := range out {
		name, action, ok := strings.Cut(n, ":")
		if g, err := policy.ParseGuard(name); ok && err == nil && g.IsValid() && g != 0 {
			out[i] = g.String() + ":" + action
		}
	}
	return out
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Run runs every case of the fixture files matching the glob patterns as
// subtests named file/case. Files that name no policy run against def, or
// against the embedded default policy when def is nil.
func Run(t *testing.T, def *policy.Engine, patterns ...string) {
	t.Helper()
	if def == nil {
		def = policy.Default()
	}
	var paths []string
	for _, p := range patterns {
		m, err := filepath.Glob(p)
		if err != nil {
			t.Fatalf("policytest: pattern %q: %v", p, err)
		}
		paths = append(paths, m...)
	}
	slices.Sort(paths)
	if len(paths) == 0 {
		t.Fatalf("policytest: no fixture files match %q", patterns)
	}
	for _, path := range paths {
		f, err := Load(path)
		if err != nil {
			t.Errorf("policytest: %v", err)
			continue
		}
		e, err := f.Engine(def)
		if err != nil {
			t.Errorf("policytest: %s: policy: %v", path, err)
			continue
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			for _, c := range f.Cases {
				t.Run(c.Name, func(t *testing.T) {
					for _, d := range c.Check(t.Context(), e) {
						t.Errorf("%s:%d: %s: %s", path, c.Line, c.Name, d)
					}
				})
			}
		})
	}
}
