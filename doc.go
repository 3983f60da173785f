// Package warden is an embeddable library for trust-and-safety enforcement
// on group-chat platforms: it turns a platform's enforcement policy, written
// by rule authors as CEL expressions in YAML, into decisions that say what
// penalty each account and each group gets, and why.
//
// warden has no I/O and no storage of its own: callers hand it data (the
// group, its members, the violations with their evidence, the time) and
// apply what it returns. It never reads the clock.
//
// It has three main packages:
//
//   - policy: the models (Account, Group, Role, Violation, Evidence,
//     Severity, Penalty, Decision), the policy language and the CEL engine.
//     Its default policy, embedded in the module, is modelled on the 2017
//     group clean-up: zero tolerance for child sexual abuse material and for
//     trafficking in personal information, measures graduated by severity
//     for the other categories (a warning first for low and medium, a
//     suspended or closed group for high and critical), leaders answering
//     for their groups, ordinary members spared, nothing above a warning
//     without both a technical identification and a manual review.
//   - enforcement: plans that close a group, ban its leaders, spare its
//     members, freeze funds, preserve evidence and notify everyone; their
//     execution, campaigns with reports, and shadow runs of a candidate
//     policy. enforcement/dsa turns plans into statements of reasons for
//     the EU DSA Transparency Database.
//   - appeal: appeals against penalties; appeal/funds, beside it, the
//     recovery of a banned account's lawful funds as a hash-chained,
//     versioned log of events checked against a declared state machine.
//
// A program decides a case like this:
//
//	engine := policy.Default() // or policy.Compile("my.yaml", src)
//	d, err := engine.Decide(ctx, policy.Case{
//		Target:     policy.TargetAccount,
//		Group:      policy.Group{ID: "g1", Owner: "u1", Members: 40},
//		Account:    &policy.Account{ID: "u1"},
//		Violations: violations, // with evidence and reviews
//		Now:        now,
//	})
//	fmt.Println(d.Penalty, d.Rule, d.Reason)
//
// A whole group, its leaders and members, is decided in one call with
// Engine.DecideGroup; enforcement.Planner turns that into a plan. Inside,
// policy is the public face of internal stages: the vocabulary
// (internal/vocab, re-exported by policy), the policy language
// (internal/lang), the compiler (internal/compiler) and the table of the
// names a rule reads (internal/names).
//
// The package policy/policytest runs YAML fixture cases against a policy
// inside go test, for rule authors' own repositories too; the warden command
// (cmd/warden) checks, tests, evaluates and explains policies, and runs
// campaigns, without writing Go.
package warden
