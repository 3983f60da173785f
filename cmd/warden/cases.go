package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"unicode/utf8"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
)

// caseFormat describes the CASE argument of eval and explain.
const caseFormat = `CASE is a file in YAML or JSON, or - for standard input. It holds either
one case (target, group, account for an account target, violations, now:
the fields of policy.Case) or a group case (group, members, violations,
now: the fields of enforcement.GroupCase, as in a line of a campaign), which
is decided for the group and then for each member in turn. Errors in it
are reported as CASE:line:col: field: message.

Exit status: 1 when the policy or CASE has errors, 2 when the command line
is wrong or a file cannot be read.
`

// caseFile is the input of eval and explain: the cases to decide, one or
// a group's and its members'.
type caseFile struct {
	doc   *document
	cases []policy.Case
	group *policy.GroupCase // the group case the file holds, if it holds one
}

// readCases reads the CASE argument.
func readCases(file string, e *env) (*caseFile, error) {
	name, data, err := readInput(file, e.stdin)
	if err != nil {
		return nil, &inputError{file: name, msg: unwrapPath(err).Error(), io: true}
	}
	if err := checkJSON(name, data); err != nil {
		return nil, err
	}
	doc, err := parseDocument(name, data)
	if err != nil {
		return nil, err
	}
	cf := &caseFile{doc: doc}
	if !doc.has("members") {
		var c policy.Case
		if err := doc.decode(&c); err != nil {
			return nil, err
		}
		cf.cases = []policy.Case{c}
		return cf, nil
	}
	var gc enforcement.GroupCase
	if err := doc.decode(&gc); err != nil {
		return nil, err
	}
	cf.group = &gc
	cf.cases = append(cf.cases, gc.GroupCase())
	for i := range gc.Members {
		cf.cases = append(cf.cases, gc.MemberCase(i))
	}
	return cf, nil
}

// check refuses a malformed group case, placing the error at the field of
// the file it is about; the decisions of its cases are taken by the one
// call that decides a group case.
func (cf *caseFile) check(ctx context.Context, engine *policy.Engine) ([]policy.Decision, error) {
	if cf.group != nil {
		ds, err := engine.DecideGroup(ctx, *cf.group, nil)
		if err != nil {
			return nil, cf.doc.caseError(err)
		}
		return ds, nil
	}
	d, err := engine.Decide(ctx, cf.cases[0])
	if err != nil {
		return nil, cf.doc.caseError(err)
	}
	return []policy.Decision{d}, nil
}

// decideAll decides every case of the file.
func decideAll(ctx context.Context, engine *policy.Engine, cf *caseFile) ([]policy.Decision, error) {
	return cf.check(ctx, engine)
}

// checkJSON holds a file that starts as JSON does to JSON's syntax, which
// YAML, a superset, would relax (a trailing comma, a comment).
func checkJSON(file string, data []byte) error {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' || json.Valid(data) {
		return nil
	}
	var v any
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return &inputError{file: file, msg: err.Error()}
	}
	before := data[:min(int(se.Offset), len(data))]
	line := bytes.Count(before, []byte("\n")) + 1
	col := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:])
	return &inputError{file: file, line: line, col: max(col, 1), msg: "invalid JSON: " + se.Error()}
}
