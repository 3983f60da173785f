package main

import (
	"context"
	"encoding/json"
	"fmt"
)

const evalUsage = `Usage: warden eval [-policy FILE] CASE

Eval decides CASE and prints the decision as JSON: the penalty, the rule and
reason behind it, every rule that matched, every guard that acted, the
appeal route and the policy it was taken under. For a group case it prints a
list: the group's decision, then each member's.

` + caseFormat

func runEval(e *env, args []string) int {
	f := newFlags("eval", evalUsage)
	policyFile := f.policyFlag()
	rest, status, ok := f.parse(e, args)
	if !ok {
		return status
	}
	if len(rest) != 1 {
		return f.fail(e, "want one CASE, got %d arguments (the policy is given with -policy FILE)", len(rest))
	}
	engine, err := loadEngine(*policyFile)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitFail
	}
	cf, err := readCases(rest[0], e)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitFail
	}
	decisions, err := decideAll(context.Background(), engine, cf)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitFail
	}
	var out any = decisions[0]
	if cf.group {
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
