// Command cleanup decides a small clean-up campaign on the default policy:
// a few chat groups, each with an owner, administrators and members, and
// violations with and without manual review. For each group it prints the
// group's decision and every account's, with the rule and guard behind it.
//
//	go run ./examples/cleanup [-policy FILE]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/groupwarden/warden/policy"
)

func main() {
	policyFile := flag.String("policy", "", "a policy file to use instead of the embedded default policy")
	flag.Parse()
	engine := policy.Default()
	if *policyFile != "" {
		src, err := os.ReadFile(*policyFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if engine, err = policy.Compile(*policyFile, src); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if err := run(context.Background(), os.Stdout, engine); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// scenario is one group of the campaign and what was found in it.
type scenario struct {
	title      string
	group      policy.Group
	members    []string
	violations []policy.Violation
}

var now = time.Date(2017, 2, 20, 10, 0, 0, 0, time.UTC)

// verified builds evidence that passes the double judgment: a technical
// identification confirmed by a reviewer.
func verified(v policy.Violation) policy.Violation {
	v.Evidence.Identifications = []policy.Identification{{Method: policy.MethodHashMatch, Confidence: 0.99, At: now.Add(-3 * time.Hour)}}
	v.Reviews = []policy.Review{{Reviewer: "reviewer-7", Verdict: policy.VerdictConfirmed, At: now.Add(-time.Hour)}}
	return v
}

func scenarios() []scenario {
	return []scenario{
		{
			title:   "CSAM shared by a member, confirmed by a reviewer",
			group:   policy.Group{ID: "group-101", Owner: "alice", Admins: []string{"bob"}, Members: 4},
			members: []string{"alice", "bob", "carol", "dave"},
			violations: []policy.Violation{verified(policy.Violation{
				ID: "v-1", Category: "csam", Severity: policy.SeverityCritical, Actor: "carol"})},
		},
		{
			title:   "Personal data for sale, medium severity, confirmed",
			group:   policy.Group{ID: "group-102", Owner: "erin", Admins: []string{"frank"}, Members: 3},
			members: []string{"erin", "frank", "grace"},
			violations: []policy.Violation{verified(policy.Violation{
				ID: "v-2", Category: "pii_trafficking", Severity: policy.SeverityMedium, Actor: "frank"})},
		},
		{
			title:   "CSAM hash match awaiting manual review",
			group:   policy.Group{ID: "group-103", Owner: "heidi", Members: 2},
			members: []string{"heidi", "ivan"},
			violations: []policy.Violation{{
				ID: "v-3", Category: "csam", Severity: policy.SeverityHigh, Actor: "ivan",
				Evidence: policy.Evidence{Identifications: []policy.Identification{{Method: policy.MethodHashMatch, Confidence: 0.97}}},
			}},
		},
		{
			title:   "Gambling spam by a member, first offence",
			group:   policy.Group{ID: "group-104", Owner: "judy", Members: 2},
			members: []string{"judy", "mallory"},
			violations: []policy.Violation{verified(policy.Violation{
				ID: "v-4", Category: "gambling", Severity: policy.SeverityLow, Actor: "mallory"})},
		},
	}
}

func run(ctx context.Context, w io.Writer, engine *policy.Engine) error {
	ref := engine.Policy()
	fmt.Fprintf(w, "policy %s %s (sha256 %s…)\n", ref.Name, ref.Version, ref.Digest[:12])
	for _, s := range scenarios() {
		fmt.Fprintf(w, "\n%s — %s\n", s.group.ID, s.title)
		d, err := engine.Decide(ctx, policy.Case{Target: policy.TargetGroup, Group: s.group, Violations: s.violations, Now: now})
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %-8s %-8s %s\n", "group", "", describe(d))
		for _, id := range s.members {
			d, err := engine.Decide(ctx, policy.Case{
				Target: policy.TargetAccount, Group: s.group, Account: &policy.Account{ID: id},
				Violations: s.violations, Now: now,
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "  %-8s %-8s %s\n", id, d.Role, describe(d))
		}
	}
	return nil
}

// describe renders a decision on one line: the penalty, the rule behind it,
// and what the guards did.
func describe(d policy.Decision) string {
	var b strings.Builder
	b.WriteString(d.Penalty.String())
	if d.Duration > 0 {
		fmt.Fprintf(&b, " %s", d.Duration)
	}
	if d.Rule != "" {
		fmt.Fprintf(&b, " (%s)", d.Rule)
	}
	if d.PendingReview {
		b.WriteString(" pending review")
	}
	for _, g := range d.Guards {
		fmt.Fprintf(&b, "; %s %s %s→%s", g.Guard, g.Action, g.From, g.To)
	}
	return b.String()
}
