package policy_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/groupwarden/warden/policy"
)

// A case: CSAM posted by a member and confirmed by a reviewer, decided for
// the group's owner, for the member who posted it, and for a bystander.
func ExampleEngine_Decide() {
	engine := policy.Default()
	now := time.Date(2017, 2, 20, 10, 0, 0, 0, time.UTC)
	violation := policy.Violation{
		ID: "v1", Category: "csam", Severity: policy.SeverityCritical, Actor: "carol",
		Evidence: policy.Evidence{Identifications: []policy.Identification{{Method: policy.MethodHashMatch, Confidence: 1}}},
		Reviews:  []policy.Review{{Reviewer: "r7", Verdict: policy.VerdictConfirmed, At: now.Add(-time.Hour)}},
	}
	group := policy.Group{ID: "g1", Owner: "alice", Admins: []string{"bob"}, Members: 30}
	for _, id := range []string{"alice", "carol", "dave"} {
		d, err := engine.Decide(context.Background(), policy.Case{
			Target: policy.TargetAccount, Group: group, Account: &policy.Account{ID: id},
			Violations: []policy.Violation{violation}, Now: now,
		})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s (%s): %s %s\n", id, d.Role, d.Penalty, d.Rule)
	}
	// Output:
	// alice (owner): ban focus-leader-ban
	// carol (member): ban focus-actor-ban
	// dave (member): none
}

// DecideInto decides case after case into one Decision, whose room for
// matches and notes is reused: copy what must outlive the next call.
func ExampleEngine_DecideInto() {
	engine := policy.Default()
	now := time.Date(2017, 2, 20, 10, 0, 0, 0, time.UTC)
	c := policy.Case{
		Target: policy.TargetAccount, Now: now,
		Group: policy.Group{ID: "g1", Owner: "alice", Admins: []string{"bob"}, Members: 30},
		Violations: []policy.Violation{{
			ID: "v1", Category: "csam", Severity: policy.SeverityCritical, Actor: "carol",
			Evidence: policy.Evidence{Identifications: []policy.Identification{{Method: policy.MethodHashMatch, Confidence: 1}}},
			Reviews:  []policy.Review{{Reviewer: "r7", Verdict: policy.VerdictConfirmed, At: now.Add(-time.Hour)}},
		}},
	}
	var d policy.Decision
	var kept []policy.Match
	for _, id := range []string{"alice", "bob", "dave"} {
		c.Account = &policy.Account{ID: id}
		if err := engine.DecideInto(context.Background(), &c, &d); err != nil {
			fmt.Println(err)
			return
		}
		kept = append(kept, d.Matches...) // copied out: d.Matches is overwritten next time
		fmt.Printf("%s (%s): %s\n", id, d.Role, d.Penalty)
	}
	fmt.Println(len(kept), "matches kept")
	// Output:
	// alice (owner): ban
	// bob (admin): ban
	// dave (member): none
	// 2 matches kept
}

// Compile reports every problem of a policy at once, each with its
// position in the file and a stable code.
func ExampleCompile() {
	src := []byte(`name: broken
version: "1"
appeal: {route: "help centre"}
categories:
  - {name: spam, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC}
rules:
  - id: r1
    target: acount
    when: violation.category == category.spma
    penalty: ban
    message: '"no spam"'
    ground: {kind: contractual, reference: "Terms, spam clause"}
`)
	_, err := policy.Compile("broken.yaml", src)
	var list policy.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Println(e)
		}
	}
	// Output:
	// broken.yaml:8:13: unknown-target: unknown target "acount" (did you mean account?)
	// broken.yaml:9:33: unknown-category: unknown category "spma": the catalogue does not declare it (did you mean spam?)
}

// The default policy is embedded in the module and compiled once.
func ExampleDefault() {
	engine := policy.Default()
	ref := engine.Policy()
	fmt.Println(ref.Name, ref.Version, len(ref.Digest))
	for _, c := range engine.Categories() {
		if c.ZeroTolerance {
			fmt.Println("zero tolerance:", c.Name)
		}
	}
	// Output:
	// warden-default 1.1.0 64
	// zero tolerance: csam
	// zero tolerance: pii_trafficking
}

// Explain traces every rule of the target against every violation, with
// the values its condition read.
func ExampleEngine_Explain() {
	now := time.Date(2017, 2, 20, 10, 0, 0, 0, time.UTC)
	x, err := policy.Default().Explain(context.Background(), policy.Case{
		Target:  policy.TargetAccount,
		Group:   policy.Group{ID: "g1", Owner: "alice", Members: 12},
		Account: &policy.Account{ID: "alice"},
		Violations: []policy.Violation{{
			ID: "v1", Category: "spam", Severity: policy.SeverityHigh, Actor: "mallory",
			Evidence: policy.Evidence{Identifications: []policy.Identification{{Method: policy.MethodKeyword, Confidence: 0.9}}},
			Reviews:  []policy.Review{{Reviewer: "r2", Verdict: policy.VerdictConfirmed, At: now}},
		}},
		Now: now,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("decision:", x.Decision.Penalty, x.Decision.Rule)
	for _, r := range x.Rules {
		switch {
		case r.Skipped != "":
			fmt.Printf("%s: skipped, %s\n", r.Rule, r.Skipped)
		default:
			fmt.Printf("%s: matched=%v", r.Rule, r.Matched)
			for _, b := range r.Reads {
				fmt.Printf(" %s=%s", b.Name, b.Value)
			}
			fmt.Println()
		}
	}
	// Output:
	// decision: suspend other-leader-responsibility
	// focus-leader-ban: skipped, its condition is false where violation.category=category.spam, subject.role=role.owner, violation.severity=severity.high
	// focus-leader-suspend: skipped, its condition is false where violation.category=category.spam, subject.role=role.owner, violation.severity=severity.high
	// focus-actor-ban: skipped, its condition is false where violation.category=category.spam, subject.is_actor=false
	// other-actor-repeat: skipped, its condition is false where violation.category=category.spam, subject.is_actor=false
	// other-actor-critical: skipped, its condition is false where violation.category=category.spam, violation.severity=severity.high, subject.is_actor=false
	// other-leader-responsibility: matched=true subject.is_actor=false variables.leader=true variables.serious=true violation.zero_tolerance=false
	// other-actor-high: skipped, its condition is false where violation.category=category.spam, violation.severity=severity.high, subject.is_actor=false
}

// A group case is decided in one call: the group first, then each member
// in the order listed. A leader missing from the list is refused.
func ExampleEngine_DecideGroup() {
	now := time.Date(2017, 2, 20, 10, 0, 0, 0, time.UTC)
	gc := policy.GroupCase{
		Group: policy.Group{ID: "g1", Owner: "alice", Admins: []string{"bob"}, Members: 3},
		Members: []policy.Membership{
			{Account: policy.Account{ID: "alice"}, Role: policy.RoleOwner},
			{Account: policy.Account{ID: "bob"}, Role: policy.RoleAdmin},
			{Account: policy.Account{ID: "carol"}, Role: policy.RoleMember},
		},
		Violations: []policy.Violation{{
			ID: "v1", Category: "csam", Severity: policy.SeverityCritical, Actor: "carol",
			Evidence: policy.Evidence{Identifications: []policy.Identification{{Method: policy.MethodHashMatch, Confidence: 1}}},
			Reviews:  []policy.Review{{Reviewer: "r7", Verdict: policy.VerdictConfirmed, At: now.Add(-time.Hour)}},
		}},
		Now: now,
	}
	decisions, err := policy.Default().DecideGroup(context.Background(), gc, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range decisions {
		fmt.Printf("%s %s: %s\n", d.Target, d.Subject, d.Penalty)
	}

	gc.Members = gc.Members[1:] // the owner is not listed
	gc.Group.Members = 2
	_, err = policy.Default().DecideGroup(context.Background(), gc, nil)
	fmt.Println(policy.CodeOf(err))
	// Output:
	// group g1: close
	// account alice: ban
	// account bob: ban
	// account carol: ban
	// missing-leader
}

// Verify checks the default policy's own properties over every cell of its
// case space, and over every pair of cells that can be the two violations
// of one case.
func ExampleEngine_Verify() {
	props, err := policy.ParseProperties(policy.DefaultPropertiesFile, policy.DefaultProperties())
	if err != nil {
		panic(err)
	}
	v, err := policy.Default().Verify(context.Background(), props)
	if err != nil {
		panic(err)
	}
	for _, p := range v.Properties {
		fmt.Printf("%s: %d failures\n", p.Property.Name, p.Failures)
	}
	for _, s := range v.Spaces {
		fmt.Printf("%s: %d pairs of cells of %d checked\n", s.Target, s.PairsChecked, s.Pairs)
	}
	fmt.Println("dead rules:", len(v.Dead))
	// Output:
	// bystanders-spared: 0 failures
	// double-judgment: 0 failures
	// double-judgment-group: 0 failures
	// csam-closes-group: 0 failures
	// csam-bans-owner: 0 failures
	// leaders-answer-for-zero-tolerance: 0 failures
	// zero-tolerance-decides: 0 failures
	// account: 6912 pairs of cells of 6912 checked
	// group: 576 pairs of cells of 576 checked
	// dead rules: 0
}

// Against compares two versions of a policy over their joint partition:
// the old one warns above 3 reports, the new one from 5 (and new accounts
// from the first report), so a violation with 4 reports is a change inside
// a cell of each version alone, which the joint partition finds.
func ExampleEngine_Against() {
	compile := func(path string) *policy.Engine {
		src, err := os.ReadFile(path)
		if err != nil {
			panic(err)
		}
		e, err := policy.Compile(path, src)
		if err != nil {
			panic(err)
		}
		return e
	}
	old := compile("../testdata/policies/against/reports-old.yaml")
	e := compile("../testdata/policies/against/reports-new.yaml")
	cmp, err := e.Against(context.Background(), old)
	if err != nil {
		panic(err)
	}
	for _, c := range cmp.Changes {
		if c.Role == policy.RoleMember {
			fmt.Printf("member: %s -> %s in %d joint cells; first with %d reports\n", c.From, c.To, c.Cells, len(c.Case.Violations[0].Evidence.Reports))
		}
	}
	fmt.Println("not compared:", cmp.NewOnly)
	// Output:
	// member: none -> warn in 8 joint cells; first with 1 reports
	// member: warn -> none in 8 joint cells; first with 4 reports
	// not compared: [scam]
}
