package benchmarks

import (
	"fmt"
	"time"

	"github.com/groupwarden/warden/policy"
)

var (
	now = time.Date(2017, 2, 20, 10, 0, 0, 0, time.UTC)
	// group is run by "owner" and "admin"; everyone else in it is a member.
	group = policy.Group{ID: "g1", Owner: "owner", Admins: []string{"admin"}, Members: 50}
)

// verifiedViolation is a violation that passed the double judgment: a hash
// match confirmed by a reviewer.
func verifiedViolation(category string, sev policy.Severity, actor string) policy.Violation {
	return policy.Violation{
		ID: "v1", Category: category, Severity: sev, Actor: actor,
		Evidence: policy.Evidence{Identifications: []policy.Identification{{Method: policy.MethodHashMatch, Confidence: 1}}},
		Reviews:  []policy.Review{{Reviewer: "r1", Verdict: policy.VerdictConfirmed, At: now.Add(-time.Hour)}},
	}
}

// benchCase is a pre-built case on the default policy and the answer every
// implementation must give for it.
type benchCase struct {
	name string
	c    policy.Case
	want outcome
}

// cases are built once: no implementation pays for building its case.
var cases = []benchCase{
	{
		name: "owner-csam",
		c: policy.Case{Target: policy.TargetAccount, Group: group, Account: &policy.Account{ID: "owner"},
			Violations: []policy.Violation{verifiedViolation("csam", policy.SeverityCritical, "member")}, Now: now},
		want: outcome{Penalty: policy.PenaltyBan},
	},
	{
		name: "bystander-csam",
		c: policy.Case{Target: policy.TargetAccount, Group: group, Account: &policy.Account{ID: "bystander"},
			Violations: []policy.Violation{verifiedViolation("csam", policy.SeverityCritical, "member")}, Now: now},
		want: outcome{Penalty: policy.PenaltyNone},
	},
	{
		name: "member-spam",
		c: policy.Case{Target: policy.TargetAccount, Group: group, Account: &policy.Account{ID: "member",
			History: []policy.Record{{At: now.AddDate(0, -2, 0), Penalty: policy.PenaltyWarn, Category: "spam"}}},
			Violations: []policy.Violation{verifiedViolation("spam", policy.SeverityMedium, "member")}, Now: now},
		want: outcome{Penalty: policy.PenaltySuspend, Duration: day},
	},
	{
		// No match after evaluating: the admin is a candidate of
		// other-leader-responsibility, whose condition fails on a low severity.
		name: "admin-low-spam",
		c: policy.Case{Target: policy.TargetAccount, Group: group, Account: &policy.Account{ID: "admin"},
			Violations: []policy.Violation{verifiedViolation("spam", policy.SeverityLow, "member")}, Now: now},
		want: outcome{Penalty: policy.PenaltyNone},
	},
}

const day = policy.Duration(24 * time.Hour)

// outcome is the part of a decision every implementation can give: the
// penalty and, for restrict and suspend, how long it lasts.
type outcome struct {
	Penalty  policy.Penalty
	Duration policy.Duration
}

func (o outcome) String() string {
	if o.Penalty.Timed() {
		return fmt.Sprintf("%s %s", o.Penalty, o.Duration)
	}
	return o.Penalty.String()
}

// outranks reports whether o is more severe than p: a higher level, then a
// longer duration. Ties between rules do not change the outcome.
func (o outcome) outranks(p outcome) bool {
	if lo, lp := o.Penalty.Level(), p.Penalty.Level(); lo != lp {
		return lo > lp
	}
	return o.Duration > p.Duration
}

// ladderWindow is the window of the default policy's account_repeat ladder.
const ladderWindow = 365 * day

// strikes counts the penalties above none given in the window before now,
// as warden's ladders do. Cedar cannot count a history within a window and
// the cel-go loop, like warden, applies ladders outside its rule language,
// so every peer's input builder calls this.
func strikes(history []policy.Record, now time.Time, window policy.Duration) int {
	from := now.Add(-time.Duration(window))
	n := 0
	for _, r := range history {
		if r.Penalty != policy.PenaltyNone && !r.At.Before(from) && r.At.Before(now) {
			n++
		}
	}
	return n
}
