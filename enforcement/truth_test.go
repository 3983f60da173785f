package enforcement_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
)

// truthCases generates group cases across every guard outcome: categories
// with and without zero tolerance, every severity, with and without a
// technical identification and a report, no review, a confirming or a
// rejecting review before the decision, a confirming review after it, an
// actor of every role or none, and a first or a repeated offence.
func truthCases() []enforcement.GroupCase {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var out []enforcement.GroupCase
	n := 0
	for _, cat := range []string{"csam", "fraud", "spam"} {
		for sev := policy.SeverityLow; sev <= policy.SeverityCritical; sev++ {
			for _, ident := range []bool{false, true} {
				for _, review := range []string{"none", "confirmed", "rejected", "confirmed-later"} {
					for _, actor := range []string{"", "owner", "admin", "poster"} {
						for _, repeat := range []bool{false, true} {
							n++
							id := fmt.Sprintf("g%03d", n)
							v := policy.Violation{ID: id + "-v", Category: cat, Severity: sev, Detected: now.Add(-6 * time.Hour),
								Evidence: policy.Evidence{Reports: []policy.Report{{Source: policy.SourceUser}}}}
							if actor != "" {
								v.Actor = id + "-" + actor
							}
							if ident {
								v.Evidence.Identifications = []policy.Identification{{Method: policy.MethodClassifier, Confidence: 0.9}}
							}
							switch review {
							case "confirmed":
								v.Reviews = []policy.Review{{Reviewer: "r1", Verdict: policy.VerdictConfirmed, At: now.Add(-time.Hour)}}
							case "rejected":
								v.Reviews = []policy.Review{{Reviewer: "r1", Verdict: policy.VerdictRejected, At: now.Add(-time.Hour)}}
							case "confirmed-later":
								v.Reviews = []policy.Review{{Reviewer: "r1", Verdict: policy.VerdictConfirmed, At: now.Add(time.Hour)}}
							}
							var history []policy.Record
							if repeat {
								history = []policy.Record{{At: now.Add(-60 * 24 * time.Hour), Penalty: policy.PenaltyWarn, Category: cat},
									{At: now.Add(-30 * 24 * time.Hour), Penalty: policy.PenaltySuspend, Category: cat}}
							}
							member := func(who string, role policy.Role) policy.Membership {
								m := policy.Membership{Role: role, Account: policy.Account{ID: id + "-" + who,
									Holdings: []policy.Holding{{Amount: 100, Currency: "EUR"}}}}
								if id+"-"+who == v.Actor {
									m.Account.History = history
								}
								return m
							}
							out = append(out, enforcement.GroupCase{
								Group: policy.Group{ID: id, Owner: id + "-owner", Admins: []string{id + "-admin"}, Members: 4, History: func() []policy.Record {
									if repeat {
										return history
									}
									return nil
								}()},
								Members: []policy.Membership{member("owner", policy.RoleOwner), member("admin", policy.RoleAdmin),
									member("poster", policy.RoleMember), member("bystander", policy.RoleMember)},
								Violations: []policy.Violation{v},
								Now:        now,
							})
						}
					}
				}
			}
		}
	}
	return out
}

// heavier phrases are what the default policy's messages say of a measure;
// a text may say them only when that measure was taken.
var heavier = []struct {
	phrase string
	taken  func(account, group policy.Penalty) bool
}{
	{"account was banned permanently", func(a, _ policy.Penalty) bool { return a == policy.PenaltyBan }},
	{"account was suspended for", func(a, _ policy.Penalty) bool { return a == policy.PenaltySuspend }},
	{"group was closed", func(_, g policy.Penalty) bool { return g == policy.PenaltyClose }},
	{"group was suspended for", func(_, g policy.Penalty) bool { return g == policy.PenaltySuspend }},
}

// Every notice, reason and guard note describes the measure actually taken
// and the facts as of the decision.
func TestNoticesAndReasonsAreTrue(t *testing.T) {
	// Beside the default policy, one whose extra rules ask too much of
	// everyone, so that every guard acts.
	strict, err := policy.Compile("strict.yaml", append(policy.DefaultSource(), []byte(`
  - id: everyone-banned
    description: Everyone in a group with a violation is banned, which the guards must stop.
    target: account
    when: "true"
    penalty: ban
    message: '"Your account was banned permanently, like every member of the group."'
    ground: {kind: contractual, reference: Terms of service}
  - id: group-restricted
    description: A group with a violation is restricted for two days.
    target: group
    when: "true"
    penalty: restrict
    duration: 48h
    message: '"The group was restricted for 48 hours."'
    ground: {kind: contractual, reference: Terms of service}
`)...))
	require.NoError(t, err)
	outcomes := map[string]int{}
	for _, e := range []*policy.Engine{policy.Default(), strict} {
		checkTruth(t, enforcement.NewPlanner(e), outcomes)
	}
	// The cases reach every guard outcome.
	for _, o := range []string{"double_judgment/lowered", "double_judgment/pending", "no_collective_punishment/lowered", "proportionality/lowered",
		"notice/leader", "notice/actor", "notice/member"} {
		require.Positive(t, outcomes[o], "no case reached %s: %v", o, outcomes)
	}
}

func checkTruth(t *testing.T, planner *enforcement.Planner, outcomes map[string]int) {
	for _, gc := range truthCases() {
		plan, err := planner.Plan(context.Background(), gc)
		require.NoError(t, err)
		v := &gc.Violations[0]
		review := v.LatestReviewAt(gc.Now)
		verified := v.VerifiedAt(gc.Now)
		decisions := map[string]*policy.Decision{}
		all := append(append([]policy.Decision{}, plan.Decisions...), plan.Held...)
		for i := range all {
			decisions[all[i].Subject] = &all[i]
		}
		groupPenalty := plan.GroupDecision.Penalty
		for _, d := range plan.Held {
			if d.Target == policy.TargetGroup {
				groupPenalty = policy.PenaltyNone
			}
		}
		where := func(what string) string {
			return fmt.Sprintf("%s: %s %s %v %s", gc.Group.ID, v.Category, v.Severity, v.Reviews, what)
		}

		// Guard notes, and the reasons of the members spared, state the
		// facts as of the decision.
		note := func(r string, role policy.Role, subject string) {
			if strings.Contains(r, "until a person confirms it") {
				require.False(t, review != nil && review.Verdict == policy.VerdictConfirmed, where(r))
			}
			if strings.Contains(r, "no technical identification") {
				require.False(t, v.Automated(), where(r))
			}
			if strings.Contains(r, "no manual review") {
				require.Nil(t, review, where(r))
			}
			if strings.Contains(r, "rejected by reviewer") {
				require.Equal(t, policy.VerdictRejected, review.Verdict, where(r))
			}
			if strings.Contains(r, "is an ordinary member") {
				outcomes["no_collective_punishment/lowered"]++
				require.Equal(t, policy.RoleMember, role, where(r))
				require.NotEqual(t, subject, v.Actor, where(r))
			}
			if strings.Contains(r, "needs high or critical severity") {
				require.Less(t, v.Severity, policy.SeverityHigh, where(r))
			}
		}
		for _, d := range append(all, plan.GroupDecision) {
			for _, g := range d.Guards {
				outcomes[g.Guard.String()+"/"+g.Action.String()]++
				note(g.Reason, d.Role, d.Subject)
			}
		}
		for _, sp := range plan.Spared {
			note(sp.Reason, sp.Role, sp.Account)
		}

		told := map[string]bool{}
		for _, n := range plan.Notices {
			told[n.To] = true
			text := n.Text()
			require.True(t, strings.HasPrefix(text, "Group "+gc.Group.ID+" "), where(text))
			require.Equal(t, groupPenalty, n.GroupPenalty, where(text))
			d := decisions[n.To]
			account := policy.PenaltyNone
			if d != nil && d.Target == policy.TargetAccount && n.Penalty != policy.PenaltyNone {
				account = d.Penalty
				require.Equal(t, d.Penalty, n.Penalty, where(text))
				require.Equal(t, d.Reason, n.Reasons[0], where(text))
			}
			reasons := n.GroupReason + " " + strings.Join(n.Reasons, " ")
			for _, h := range heavier {
				if !h.taken(account, groupPenalty) {
					require.NotContains(t, reasons, h.phrase, where(text))
				}
			}
			if strings.Contains(text, "confirmed by a reviewer") {
				require.True(t, verified, where(text))
			}
			for _, act := range n.Acts {
				require.True(t, verified && v.Actor == n.To, where(act))
			}
			for _, u := range n.UnderReview {
				require.True(t, !verified && v.Actor == n.To && (review == nil || review.Verdict != policy.VerdictRejected), where(u))
			}
			if groupPenalty == policy.PenaltyNone && n.Penalty == policy.PenaltyNone {
				require.True(t, len(n.Acts)+len(n.UnderReview) > 0 || n.PendingReview, where("a notice of nothing: "+text))
			}
			outcomes["notice/"+n.Audience.String()]++
		}
		for _, d := range plan.Decisions {
			require.True(t, told[d.Subject], where("a penalised account is told"))
		}
		if review != nil && review.Verdict == policy.VerdictRejected {
			require.Empty(t, plan.Notices, where("a rejected violation is nobody's act and tells nobody anything"))
		}
	}
}
