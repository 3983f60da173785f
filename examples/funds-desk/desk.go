package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/groupwarden/warden/appeal/funds"
)

// nextStep is what the desk does next on a claim, for a holder who comes
// forward: the default configuration's flow from the freeze to the payout,
// one chargeback deducted on the way, each step an hour after the last.
// The event depends only on the claim's state, so a step retried after a
// crash is the same event.
// It returns false when the claim is over or waits for nobody at the desk.
func nextStep(id string, c funds.Claim, cfg funds.Config) (funds.Event, bool) {
	e := funds.Event{ID: fmt.Sprintf("%s/%d", id, c.Version+1), At: c.LastActivity.Add(time.Hour)}
	route, _ := cfg.Route(c.Asset)
	switch c.Status {
	case funds.StatusHeld:
		e.Kind, e.Channel = funds.EventOpened, route.Channel
	case funds.StatusOpened:
		e.Kind, e.By, e.Method, e.Holder = funds.EventIdentityChecked, "agent-4", route.Identity, c.Holder
	case funds.StatusIdentityVerified:
		if len(c.Pending) == 0 && c.Held >= 100 {
			e.Kind, e.By, e.Amount, e.Basis = funds.EventDeductionProposed, "agent-4", c.Held/100, funds.BasisChargeback
			e.Reference, e.Payee = "chargeback of "+id, "the original payer"
		} else {
			e.Kind, e.By = funds.EventDeductionsClosed, "agent-4"
		}
	case funds.StatusDeductionsReviewed:
		e.Kind, e.By = funds.EventApproved, "supervisor-2"
	case funds.StatusApproved:
		if route.Redeem {
			e.Kind, e.Automated, e.Amount = funds.EventRedeemed, true, c.Held
		} else {
			e.Kind, e.Destination = funds.EventPayoutRequested, funds.Destination{Account: "bank of " + c.Holder, Name: c.Holder, Verified: true}
		}
	case funds.StatusRedeemed:
		e.Kind, e.Destination = funds.EventPayoutRequested, funds.Destination{Account: "bank of " + c.Holder, Name: c.Holder, Verified: true}
	case funds.StatusPayoutPending:
		e.Kind, e.Reference = funds.EventPayoutConfirmed, c.Payout.Event
	default:
		return funds.Event{}, false
	}
	return c.Next(e), true
}

// work drives one claim one step: it loads the claim, decides the next
// step and appends it, retrying from a fresh load when another writer got
// there first. It returns the event appended, or false when there is
// nothing left to do, and how many conflicts it met.
func work(ctx context.Context, s *Store, id string, now time.Time) (funds.Event, bool, int, error) {
	conflicts := 0
	for {
		c, err := s.Load(ctx, id)
		if err != nil {
			return funds.Event{}, false, conflicts, err
		}
		e, ok := nextStep(id, c, s.cfg)
		if !ok {
			return funds.Event{}, false, conflicts, nil
		}
		_, err = s.Append(ctx, id, e, now)
		if errors.Is(err, funds.ErrConflict) {
			conflicts++
			continue
		}
		return e, err == nil, conflicts, err
	}
}
