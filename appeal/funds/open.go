package funds

import (
	"slices"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
)

// Opening is the first event of the claim of one frozen holding: an
// EventFrozen stamped as event 1, with the holder of record of the plan's
// account. Its ID is the freeze's claim id, so opening the same plan's
// claims again is a retry, not a second claim.
func Opening(f enforcement.Freeze) Event {
	return Event{ID: f.Claim, Seq: 1, Kind: EventFrozen, At: f.At, Automated: true,
		Account: f.Account, Holder: f.Holder, Verified: f.HolderVerified,
		Asset: f.Holding.Kind, Currency: f.Holding.Currency, Product: f.Holding.Product, Amount: f.Holding.Amount}
}

// Open turns a plan's freezes into their claims, one per holding, keyed by
// the freeze's claim id, with the opening events that made them (the
// caller stores both). It refuses the whole plan if any opening is refused,
// or if two freezes share a claim id but not their holding (a plan edited
// or merged by hand): one of the holdings would have no claim.
func (cfg Config) Open(p *enforcement.Plan) (map[string]Claim, []Event, error) {
	claims := map[string]Claim{}
	var events []Event
	for _, f := range p.Freezes() {
		e := Opening(f)
		if c, ok := claims[f.Claim]; ok {
			// A plan that lists one freeze twice opens its claim once; two
			// holdings under one claim id would leave one without a claim.
			if _, err := cfg.Apply(c, e, f.At); err != nil {
				return nil, nil, err
			}
			continue
		}
		c, err := cfg.Apply(Claim{}, e, f.At)
		if err != nil {
			return nil, nil, err
		}
		claims[f.Claim] = c
		events = append(events, e)
	}
	return claims, events, nil
}

// ReleaseAction is the enforcement action that gives the account back
// what the release event freed on the claim: the claim's Released amount,
// never the amount originally frozen, so funds paid out, deducted or
// remitted are not released again. Its key is the ID of the event that
// released the claim, so asking for it again (after a retried ruling, or
// after a second ruling whose release the claim refused) gives the same
// action, which an idempotent executor carries out once. ok is false when
// the claim released nothing.
func ReleaseAction(c Claim) (a enforcement.Action, ok bool) {
	i := slices.IndexFunc(c.Log, func(en Entry) bool { return en.Kind == EventReleased })
	if c.Status != StatusReleased || c.Released == 0 || i < 0 {
		return enforcement.Action{}, false
	}
	return enforcement.Action{Key: c.Log[i].ID, Kind: enforcement.ReleaseFunds, Subject: c.Account,
		Holdings: []policy.Holding{{Kind: c.Asset, Amount: c.Released, Currency: c.Currency, Product: c.Product}}}, true
}
