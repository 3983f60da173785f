package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/groupwarden/warden/policy"
)

const explainUsage = `Usage: warden explain [-policy FILE] CASE

Explain decides CASE and explains the decision in text: for each target,
the decision and its reason, then, violation by violation, every rule of the
target and whether it matched (or why it was skipped without evaluating its
condition: the case fields whose values rule it out in the case space), which
part of its condition the case space decides and which residual is left to
evaluate, what a matched rule asked for and got, the values of the case
fields and variables its condition read (and its penalty expression and the
winning rule's message), what would have raised a penalty a guard lowered,
and every guard that acted and what it changed.

Each target's explanation is written as soon as it is made. A target the
engine refuses (policy.MaxChecks) stops the command there, with exit
status 1: the explanations above the error are complete, the rest missing.

` + caseFormat

func runExplain(e *env, args []string) int {
	engine, cf, status, ok := caseCommand(e, "explain", explainUsage, args)
	if !ok {
		return status
	}
	ctx := context.Background()
	if _, err := cf.check(ctx, engine); err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitFail
	}
	// Each explanation is written as soon as it is made: a group case of
	// many members keeps one in memory at a time, not all of them.
	parts := partitions(engine)
	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	for i, c := range cf.cases {
		x, err := engine.Explain(ctx, c)
		if err != nil {
			out.Flush()
			fmt.Fprintln(e.stderr, cf.doc.caseError(err))
			if i > 0 {
				fmt.Fprintf(e.stderr, "explain: stopped at target %d of %d; the %d explanations before it are written\n", i+1, len(cf.cases), i)
			}
			return exitFail
		}
		if i > 0 {
			out.WriteString("\n")
		}
		writeExplanation(out, c, x, parts)
	}
	return exitOK
}

// writeExplanation renders the explanation of one target's decision; parts
// says, by rule, how much of its condition the case space decides.
func writeExplanation(w io.Writer, c policy.Case, x policy.Explanation, parts map[string]*policy.Partition) {
	d := x.Decision
	at := c.Now.Format(time.RFC3339)
	if c.Target == policy.TargetGroup {
		fmt.Fprintf(w, "group %s (%d members) at %s\n", d.Subject, c.Group.Members, at)
	} else {
		fmt.Fprintf(w, "account %s (%s of group %s) at %s\n", d.Subject, d.Role, c.Group.ID, at)
	}

	switch {
	case d.Penalty != policy.PenaltyNone:
		fmt.Fprintf(w, "  decision: %s, by rule %s for violation %s (%s)\n", penaltyText(d.Penalty, d.Duration), d.Rule, d.Violation, d.Category)
		fmt.Fprintf(w, "  reason: %s\n", d.Reason)
		fmt.Fprintf(w, "  ground: %s, %s\n", d.Ground.Kind, d.Ground.Reference)
		fmt.Fprintf(w, "  appeal: %s, within %s\n", d.Appeal.Route, d.Appeal.Window)
		fmt.Fprintf(w, "  verified: %s; pending review: %s\n", yesNo(d.Verified), yesNo(d.PendingReview))
	case len(d.Matches) == 0:
		fmt.Fprintf(w, "  decision: none, no rule matched\n")
	default:
		fmt.Fprintf(w, "  decision: none, the rules that matched come to no penalty; pending review: %s\n", yesNo(d.PendingReview))
	}
	fmt.Fprintf(w, "  policy: %s %s, sha256 %s\n", d.Policy.Name, d.Policy.Version, d.Policy.Digest[:12])

	// The traces of each violation, in order, found in one pass: a case of
	// many violations is written in time linear in its traces.
	traces := make(map[string][]int, len(c.Violations))
	for i := range x.Rules {
		traces[x.Rules[i].Violation] = append(traces[x.Rules[i].Violation], i)
	}
	matches := make(map[[2]string]policy.Match, len(d.Matches)) // by rule and violation
	for _, m := range d.Matches {
		if _, ok := matches[[2]string{m.Rule, m.Violation}]; !ok {
			matches[[2]string{m.Rule, m.Violation}] = m
		}
	}
	for _, v := range c.Violations {
		fmt.Fprintf(w, "\n  violation %s: %s\n", v.ID, violationText(v, c.Now))
		n := 0
		for _, i := range traces[v.ID] {
			r := x.Rules[i]
			n++
			if r.Skipped != "" {
				// Its condition was not evaluated: what it read does not matter.
				fmt.Fprintf(w, "    skipped   %s: %s\n", r.Rule, r.Skipped)
				continue
			}
			switch {
			case r.Error != "":
				fmt.Fprintf(w, "    error     %s: %s\n", r.Rule, r.Error)
			case r.Matched:
				fmt.Fprintf(w, "    matched   %s: %s\n", r.Rule, matchText(matches, r))
			default:
				fmt.Fprintf(w, "    no match  %s\n", r.Rule)
			}
			if r.Description != "" {
				fmt.Fprintf(w, "              %s\n", r.Description)
			}
			if p := parts[r.Rule]; p != nil {
				fmt.Fprintf(w, "              case space: %s\n", partitionText(p))
			}
			for _, b := range r.Reads {
				fmt.Fprintf(w, "              %s = %s\n", b.Name, b.Value)
			}
			for _, b := range r.PenaltyReads {
				fmt.Fprintf(w, "              penalty reads %s = %s\n", b.Name, b.Value)
			}
			for _, b := range r.MessageReads {
				fmt.Fprintf(w, "              message reads %s = %s\n", b.Name, b.Value)
			}
			for _, raise := range r.WouldBe {
				fmt.Fprintf(w, "              %s\n", raise)
			}
		}
		if n == 0 {
			fmt.Fprintf(w, "    the policy has no rule for a %s\n", c.Target)
		}
	}

	if len(d.Guards) == 0 {
		fmt.Fprintf(w, "\n  guards: none acted\n")
	} else {
		fmt.Fprintf(w, "\n  guards:\n")
		for _, g := range d.Guards {
			fmt.Fprintf(w, "    %s\n", guardText(g))
		}
	}
	if len(d.Errors) > 0 {
		fmt.Fprintf(w, "\n  rule errors (these rules did not count):\n")
		for _, re := range d.Errors {
			fmt.Fprintf(w, "    %s on violation %s: %s\n", re.Rule, re.Violation, re.Message)
		}
	}
}

// partitions indexes by rule id how much of each rule's condition the case
// space decides.
func partitions(e *policy.Engine) map[string]*policy.Partition {
	parts := map[string]*policy.Partition{}
	for _, r := range e.Rules() {
		parts[r.ID] = r.Partition
	}
	return parts
}

// partitionText says which part of a rule's condition the case space
// decides and which is residual, evaluated on the case.
func partitionText(p *policy.Partition) string {
	if p.Fallback {
		return "over the size limit of the partition, evaluated whole"
	}
	decided := "decided by " + strings.Join(p.Fields, ", ")
	if len(p.Fields) == 0 {
		decided = "decides nothing"
	}
	if p.PenaltyDecided {
		decided += ", its penalty expression too"
	}
	if len(p.Residuals) == 0 {
		return decided + ", no residual"
	}
	return decided + "; residual: " + strings.Join(p.Residuals, "; ")
}

// matchText says what a matched rule asked for and what it got after the
// guards, from the decision's matches by rule and violation.
func matchText(matches map[[2]string]policy.Match, r policy.RuleTrace) string {
	if m, ok := matches[[2]string{r.Rule, r.Violation}]; ok {
		asked := "asks " + penaltyText(m.Asked, m.AskedDuration)
		if m.Ladder != "" {
			asked += fmt.Sprintf(" (step %d of ladder %s)", m.Step, m.Ladder)
		}
		return asked + ", gets " + penaltyText(m.Penalty, m.Duration)
	}
	return "asks for nothing it could be given"
}

func guardText(g policy.GuardNote) string {
	on := fmt.Sprintf("(rule %s, violation %s)", g.Rule, g.Violation)
	switch g.Action {
	case policy.InterventionLowered:
		return fmt.Sprintf("%s lowered %s to %s %s: %s", g.Guard, g.From, g.To, on, g.Reason)
	case policy.InterventionPending:
		return fmt.Sprintf("%s held %s pending review %s: %s", g.Guard, g.From, on, g.Reason)
	case policy.InterventionDisabled:
		return fmt.Sprintf("%s is off in this policy; it would have acted on %s %s: %s", g.Guard, g.From, on, g.Reason)
	}
	return fmt.Sprintf("%s %s %s: %s", g.Guard, g.Action, on, g.Reason)
}

func violationText(v policy.Violation, now time.Time) string {
	parts := []string{v.Category, v.Severity.String()}
	if v.Actor != "" {
		parts = append(parts, "posted by "+v.Actor)
	}
	if v.VerifiedAt(now) {
		parts = append(parts, "verified")
	} else {
		parts = append(parts, "not verified")
	}
	return strings.Join(parts, ", ")
}

func penaltyText(p policy.Penalty, d policy.Duration) string {
	if d > 0 {
		return fmt.Sprintf("%s %s", p, d)
	}
	return p.String()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
