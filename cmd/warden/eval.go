package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/groupwarden/warden/policy"
)

const evalUsage = `Usage: warden eval [-policy FILE] CASE

Eval decides CASE and prints the decision as JSON: the penalty, the rule and
reason behind it, every rule that matched, every guard that acted, the
appeal route and the policy it was taken under. For a group case it prints a
list: the group's decision, then each member's. A rule that fails at run time
is listed in the decision's errors and on standard error; the decision is
then pending review.

` + caseFormat

func runEval(e *env, args []string) int {
	engine, cf, status, ok := caseCommand(e, "eval", evalUsage, args)
	if !ok {
		return status
	}
	decisions, err := decideAll(context.Background(), engine, cf)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitFail
	}
	// A rule that failed is in the decision's errors; it is said on
	// standard error too, as the decision is held for a person.
	for _, d := range decisions {
		for _, re := range d.Errors {
			fmt.Fprintf(e.stderr, "warden eval: rule %s failed on violation %s for %s %s: %s; the decision is held for review\n", re.Rule, re.Violation, d.Target, d.Subject, re.Message)
		}
	}
	var out any = decisions[0]
	if cf.group != nil {
		out = decisions
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintf(e.stderr, "warden eval: %v\n", err)
		return exitFail
	}
	return exitOK
}

// caseCommand reads the flags and the one CASE argument of eval and
// explain, and loads the policy and the cases; ok is false, with the exit
// status, when it cannot.
func caseCommand(e *env, name, usage string, args []string) (*policy.Engine, *caseFile, int, bool) {
	f := newFlags(name, usage)
	policyFile := f.policyFlag()
	rest, status, ok := f.parse(e, args)
	if !ok {
		return nil, nil, status, false
	}
	if len(rest) != 1 {
		return nil, nil, f.fail(e, "want one CASE, got %d arguments (the policy is given with -policy FILE)", len(rest)), false
	}
	engine, err := loadEngine(*policyFile)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return nil, nil, failStatus(err), false
	}
	cf, err := readCases(rest[0], e)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return nil, nil, failStatus(err), false
	}
	return engine, cf, 0, true
}
