// Command custom-rules shows warden with a policy of its own, written for
// another platform than the default policy's: the guild chats of an online
// game, with their own categories (grooming, cheat sales, gold scams, hate
// speech) and rules. It compiles the embedded policy.yaml, decides a few
// cases and prints how each decision was reached, as Engine.Explain traces
// it. It needs no network and no files.
//
//	go run ./examples/custom-rules
package main

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/groupwarden/warden/policy"
)

//go:embed policy.yaml
var policySource []byte

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "custom-rules:", err)
		os.Exit(1)
	}
}

// now is the time of every decision: the engine never reads the clock.
var now = time.Date(2026, 3, 14, 18, 0, 0, 0, time.UTC)

// story is a case and what it illustrates.
type story struct {
	title string
	c     policy.Case
}

func run(ctx context.Context, w io.Writer) error {
	engine, err := policy.Compile("policy.yaml", policySource)
	if err != nil {
		return err // a policy.ErrorList: every problem, as file:line:col: code: message
	}
	ref := engine.Policy()
	fmt.Fprintf(w, "policy %s %s (sha256 %s)\n", ref.Name, ref.Version, ref.Digest[:12])
	for _, s := range stories() {
		x, err := engine.Explain(ctx, s.c)
		if err != nil {
			return fmt.Errorf("%s: %w", s.title, err)
		}
		fmt.Fprintf(w, "\n== %s\n", s.title)
		explain(w, x)
	}
	return nil
}

// explain prints a decision and its trace.
func explain(w io.Writer, x policy.Explanation) {
	d := x.Decision
	who := d.Subject
	if d.Role != 0 {
		who += " (" + d.Role.String() + ")"
	}
	verdict := d.Penalty.String()
	if d.Duration > 0 {
		verdict += " " + d.Duration.String()
	}
	if d.Rule != "" {
		verdict += " by rule " + d.Rule
	}
	if d.PendingReview {
		verdict += ", pending review"
	}
	fmt.Fprintf(w, "%s %s: %s\n", d.Target, who, verdict)
	if d.Reason != "" {
		fmt.Fprintf(w, "  reason: %s\n", d.Reason)
	}
	for _, r := range x.Rules {
		switch {
		case r.Skipped != "":
			fmt.Fprintf(w, "  - %s: skipped, %s\n", r.Rule, r.Skipped)
		case r.Error != "":
			fmt.Fprintf(w, "  - %s: failed, %s\n", r.Rule, r.Error)
		default:
			outcome := "no match"
			if r.Matched {
				outcome = "matched"
			}
			var reads []string
			for _, b := range r.Reads {
				reads = append(reads, b.Name+"="+b.Value)
			}
			fmt.Fprintf(w, "  - %s: %s (%s)\n", r.Rule, outcome, strings.Join(reads, ", "))
		}
	}
	for _, g := range d.Guards {
		fmt.Fprintf(w, "  guard %s %s %s to %s: %s\n", g.Guard, g.Action, g.From, g.To, g.Reason)
	}
}

// confirmed is the evidence of a violation a moderator confirmed an hour
// before the decision, after a classifier flagged it.
func confirmed(v policy.Violation) policy.Violation {
	v.Evidence.Identifications = []policy.Identification{{Method: policy.MethodClassifier, Confidence: 0.97}}
	v.Reviews = []policy.Review{{Reviewer: "mod-3", Verdict: policy.VerdictConfirmed, At: now.Add(-time.Hour)}}
	return v
}

func stories() []story {
	guild := policy.Group{ID: "guild-ironwolves", Owner: "aria", Admins: []string{"bram"}, Members: 48, Created: now.AddDate(-2, 0, 0)}
	grooming := confirmed(policy.Violation{ID: "v-101", Category: "grooming", Severity: policy.SeverityCritical, Actor: "kestrel"})
	unreviewed := grooming
	unreviewed.Reviews = nil
	return []story{
		{"the guild where a minor was approached is disbanded", policy.Case{
			Target: policy.TargetGroup, Group: guild, Violations: []policy.Violation{grooming}, Now: now,
		}},
		{"its officer answers for it", policy.Case{
			Target: policy.TargetAccount, Group: guild, Account: &policy.Account{ID: "bram"},
			Violations: []policy.Violation{grooming}, Now: now,
		}},
		{"before a moderator confirms it, the guild is only restricted", policy.Case{
			Target: policy.TargetGroup, Group: guild, Violations: []policy.Violation{unreviewed}, Now: now,
		}},
		{"a cheat seller with two offences this season reaches the third step", policy.Case{
			Target: policy.TargetAccount, Group: guild,
			Account: &policy.Account{ID: "quill", History: []policy.Record{
				{At: now.AddDate(0, -3, 0), Penalty: policy.PenaltyWarn, Category: "cheat_sales"},
				{At: now.AddDate(0, -1, 0), Penalty: policy.PenaltySuspend, Category: "cheat_sales"},
			}},
			Violations: []policy.Violation{confirmed(policy.Violation{ID: "v-102", Category: "cheat_sales", Severity: policy.SeverityMedium, Actor: "quill"})},
			Now:        now,
		}},
		{"serious hate speech: the rule's penalty expression weighs the severity", policy.Case{
			Target: policy.TargetAccount, Group: guild, Account: &policy.Account{ID: "vex"},
			Violations: []policy.Violation{confirmed(policy.Violation{ID: "v-104", Category: "hate_speech", Severity: policy.SeverityHigh, Actor: "vex"})},
			Now:        now,
		}},
		{"a new account's small gold scam: the ban the rule asks for is disproportionate", policy.Case{
			Target: policy.TargetAccount, Group: guild,
			Account:    &policy.Account{ID: "goldrush99", Created: now.AddDate(0, 0, -2)},
			Violations: []policy.Violation{confirmed(policy.Violation{ID: "v-103", Category: "gold_scam", Severity: policy.SeverityMedium, Actor: "goldrush99"})},
			Now:        now,
		}},
		{"an account with no known creation date is not new: the new-account rule leaves it alone", policy.Case{
			Target: policy.TargetAccount, Group: guild,
			Account:    &policy.Account{ID: "oldhand"},
			Violations: []policy.Violation{confirmed(policy.Violation{ID: "v-105", Category: "gold_scam", Severity: policy.SeverityMedium, Actor: "oldhand"})},
			Now:        now,
		}},
	}
}
