package benchmarks

import (
	"context"
	_ "embed"
	"errors"
	"fmt"

	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"

	"github.com/groupwarden/warden/policy"
)

//go:embed warden.cedar
var cedarPolicies []byte

// cedarLevel is an action of warden.cedar and the outcome it stands for.
type cedarLevel struct {
	action types.EntityUID
	out    outcome
}

// cedarLevels are the measures the account rules can give, most severe
// first: the order in which the decider asks.
var cedarLevels = []cedarLevel{
	{types.NewEntityUID("Action", "ban"), outcome{Penalty: policy.PenaltyBan}},
	{types.NewEntityUID("Action", "suspend-90d"), outcome{Penalty: policy.PenaltySuspend, Duration: 90 * day}},
	{types.NewEntityUID("Action", "suspend-30d"), outcome{Penalty: policy.PenaltySuspend, Duration: 30 * day}},
	{types.NewEntityUID("Action", "suspend-7d"), outcome{Penalty: policy.PenaltySuspend, Duration: 7 * day}},
	{types.NewEntityUID("Action", "suspend-1d"), outcome{Penalty: policy.PenaltySuspend, Duration: day}},
	{types.NewEntityUID("Action", "warn"), outcome{Penalty: policy.PenaltyWarn}},
}

// cedarDecider asks warden.cedar, parsed once, whether each level is
// permitted, from the top.
type cedarDecider struct{ policies *cedar.PolicySet }

func newCedarDecider() (*cedarDecider, error) {
	ps, err := cedar.NewPolicySetFromBytes("warden.cedar", cedarPolicies)
	if err != nil {
		return nil, err
	}
	return &cedarDecider{policies: ps}, nil
}

// decide builds the entities of the case (the account, the group and each
// violation) and asks for each level and violation until one is permitted.
func (d *cedarDecider) decide(_ context.Context, c policy.Case) (outcome, error) {
	a := c.Account
	account := types.NewEntityUID("Account", types.String(a.ID))
	groupUID := types.NewEntityUID("Group", types.String(c.Group.ID))
	admins := make([]types.Value, len(c.Group.Admins))
	for i, id := range c.Group.Admins {
		admins[i] = types.NewEntityUID("Account", types.String(id))
	}
	entities := types.EntityMap{
		account: {UID: account, Attributes: types.NewRecord(types.RecordMap{
			"strikes": types.Long(strikes(a.History, c.Now, ladderWindow)),
		})},
		groupUID: {UID: groupUID, Attributes: types.NewRecord(types.RecordMap{
			"owner":  types.NewEntityUID("Account", types.String(c.Group.Owner)),
			"admins": types.NewSet(admins...),
		})},
	}
	resources := make([]types.EntityUID, len(c.Violations))
	for i := range c.Violations {
		v := &c.Violations[i]
		uid := types.NewEntityUID("Violation", types.String(v.ID))
		attrs := types.RecordMap{
			"category": types.String(v.Category),
			"severity": types.Long(v.Severity),
			"group":    groupUID,
		}
		if v.Actor != "" {
			attrs["actor"] = types.NewEntityUID("Account", types.String(v.Actor))
		}
		entities[uid] = types.Entity{UID: uid, Attributes: types.NewRecord(attrs)}
		resources[i] = uid
	}
	for _, l := range cedarLevels {
		for _, r := range resources {
			ok, diag := d.policies.IsAuthorized(entities, cedar.Request{Principal: account, Action: l.action, Resource: r})
			if len(diag.Errors) > 0 {
				return outcome{}, cedarErrors(diag.Errors)
			}
			if ok == cedar.Allow {
				return l.out, nil
			}
		}
	}
	return outcome{}, nil
}

// cedarErrors reports the policies that failed: Cedar skips them, which
// would make the answer wrong without a word.
func cedarErrors(errs []cedar.DiagnosticError) error {
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = fmt.Errorf("cedar: policy %s: %s", e.PolicyID, e.Message)
	}
	return errors.Join(out...)
}
