package benchmarks

import (
	"context"

	"github.com/groupwarden/warden/policy"
)

// accountRepeat is the default policy's account_repeat ladder, by strikes.
var accountRepeat = [...]outcome{
	{Penalty: policy.PenaltyWarn},
	{Penalty: policy.PenaltySuspend, Duration: day},
	{Penalty: policy.PenaltySuspend, Duration: 7 * day},
	{Penalty: policy.PenaltySuspend, Duration: 30 * day},
	{Penalty: policy.PenaltyBan},
}

// decideByHand is the floor: the account rules of the default policy
// written as plain Go, with nothing compiled, nothing interpreted and no
// explanation of the outcome.
func decideByHand(_ context.Context, c policy.Case) (outcome, error) {
	a := c.Account
	leader := c.Group.RoleOf(a.ID).Leads()
	var best outcome
	for i := range c.Violations {
		v := &c.Violations[i]
		actor := v.Actor != "" && v.Actor == a.ID
		serious := v.Severity >= policy.SeverityHigh
		critical := v.Severity == policy.SeverityCritical
		var o outcome
		if v.Category == "csam" || v.Category == "pii_trafficking" {
			switch {
			case actor || leader && serious: // focus-actor-ban, focus-leader-ban
				o = outcome{Penalty: policy.PenaltyBan}
			case leader: // focus-leader-suspend
				o = outcome{Penalty: policy.PenaltySuspend, Duration: 90 * day}
			}
		} else {
			switch {
			case actor && critical: // other-actor-critical
				o = outcome{Penalty: policy.PenaltyBan}
			case actor: // other-actor-repeat, and other-actor-high
				o = accountRepeat[min(strikes(a.History, c.Now, ladderWindow), len(accountRepeat)-1)]
				if high := (outcome{Penalty: policy.PenaltySuspend, Duration: 7 * day}); serious && high.outranks(o) {
					o = high
				}
			case leader && serious: // other-leader-responsibility
				o = outcome{Penalty: policy.PenaltySuspend, Duration: 7 * day}
			}
		}
		if o.outranks(best) {
			best = o
		}
	}
	return best, nil
}
