package appeal

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/groupwarden/warden/policy"
)

// Apply checks an event against a claim and returns the claim after it. A
// refused event returns the claim unchanged with a *RefusedError. An event
// whose ID was applied before returns the claim unchanged and no error, so
// a retried event has effect once. Apply never modifies the claim it is given.
func (cfg Config) Apply(c Claim, e Event) (Claim, error) {
	refuse := func(code Refusal, format string, args ...any) (Claim, error) {
		return c, &RefusedError{Event: e.ID, Kind: e.Kind, Status: c.Status, Code: code, Reason: fmt.Sprintf(format, args...)}
	}
	if i := slices.IndexFunc(c.applied, func(p Event) bool { return p.ID == e.ID }); i >= 0 {
		if c.applied[i] != e {
			return refuse(RefusedConflict, "id %q belongs to another event", e.ID)
		}
		return c, nil
	}
	switch {
	case e.ID == "":
		return refuse(RefusedInvalid, "an event needs an id")
	case e.At.IsZero():
		return refuse(RefusedInvalid, "an event needs a time")
	case c.Status == 0 && e.Kind != Frozen:
		return refuse(RefusedState, "a claim starts with a frozen event")
	case c.Status != 0 && e.At.Before(c.LastActivity):
		return refuse(RefusedTime, "at %s is before the claim's last event at %s", e.At.Format("2006-01-02T15:04"), c.LastActivity.Format("2006-01-02T15:04"))
	case c.Status.Final():
		return refuse(RefusedState, "the claim is over")
	}
	if c.LegalHold != "" && !allowedOnHold(e.Kind) {
		return refuse(RefusedOnHold, "legal hold %q pauses the claim", c.LegalHold)
	}
	if needsPerson(e.Kind) && (e.By == "" || e.Automated) {
		return refuse(RefusedNotHuman, "a person must %s, and the event names none", e.Kind)
	}

	n := c.clone()
	switch e.Kind {
	case Frozen:
		if c.Status != 0 {
			return refuse(RefusedState, "the claim has started already")
		}
		if e.Account == "" || e.Currency == "" || e.Amount < 0 {
			return refuse(RefusedInvalid, "frozen needs the account, the currency and a non-negative amount")
		}
		n = Claim{Account: e.Account, Holder: e.Holder, HolderVerified: e.Verified && e.Holder != "", Asset: e.Asset,
			Currency: e.Currency, Frozen: e.Amount, Held: e.Amount, Status: Held}

	case ClaimOpened:
		if c.Status != Held {
			return refuse(RefusedState, "a claim is opened once, on funds still held")
		}
		ch, ok := cfg.ChannelFor(c.Asset)
		if !ok {
			return refuse(RefusedChannel, "no channel recovers %s funds", c.Asset)
		}
		if e.Channel != ch.Name {
			return refuse(RefusedChannel, "%s funds are recovered through the %s, not %q", c.Asset, ch.Name, e.Channel)
		}
		n.Channel, n.Status = ch.Name, Opened

	case IdentityChecked:
		if c.Status != Opened {
			return refuse(RefusedState, "identity is checked once the claim is opened")
		}
		ch, _ := cfg.ChannelFor(c.Asset)
		switch {
		case e.Method != ch.Identity:
			return refuse(RefusedIdentity, "the %s checks identity by %s, not %q", ch.Name, ch.Identity, e.Method)
		case !c.HolderVerified:
			return refuse(RefusedIdentity, "the account has no verified real-name record to check against")
		case e.Holder != c.Holder:
			return refuse(RefusedIdentity, "the claimant %q is not the holder of record", e.Holder)
		}
		n.IdentityChecked, n.Status = true, IdentityVerified

	case DeductionProposed:
		if c.Status != IdentityVerified {
			return refuse(RefusedState, "deductions are proposed after the identity check and before their review")
		}
		var pending int64
		for _, d := range c.Pending {
			pending += d.Amount
		}
		switch {
		case e.Basis != Chargeback && e.Basis != CourtOrder:
			return refuse(RefusedBasis, "a deduction needs a documented basis: a chargeback or a court order")
		case e.Reference == "" || e.Payee == "":
			return refuse(RefusedBasis, "a %s deduction names its reference and its payee", e.Basis)
		case e.Amount <= 0:
			return refuse(RefusedInvalid, "a deduction is a positive amount")
		case e.Amount > c.Held-pending:
			return refuse(RefusedFunds, "a deduction of %d with %d pending would exceed the %d held", e.Amount, pending, c.Held)
		}
		n.Pending = append(n.Pending, Deduction{Event: e.ID, Amount: e.Amount, Basis: e.Basis, Reference: e.Reference, Payee: e.Payee, By: e.By})

	case DeductionsClosed:
		if c.Status != IdentityVerified {
			return refuse(RefusedState, "deductions are reviewed after the identity check")
		}
		n.Status = DeductionsReviewed

	case DeductionWithdrawn:
		i := slices.IndexFunc(c.Pending, func(d Deduction) bool { return d.Event == e.Reference })
		if i < 0 {
			return refuse(RefusedState, "no pending deduction was proposed by %q", e.Reference)
		}
		n.Pending = slices.Delete(n.Pending, i, i+1)

	case ClaimApproved:
		if c.Status != DeductionsReviewed && c.Status != InReview {
			return refuse(RefusedState, "a claim is approved after the review of its deductions")
		}
		var pending int64
		for _, d := range c.Pending {
			pending += d.Amount
		}
		if pending > c.Held {
			return refuse(RefusedFunds, "pending deductions of %d exceed the %d held since the valuation changed; withdraw one first", pending, c.Held)
		}
		for _, d := range n.Pending {
			n.Held -= d.Amount
			n.Deducted += d.Amount
		}
		n.Deductions = append(n.Deductions, n.Pending...)
		n.Pending = nil
		n.ApprovedBy, n.Status = e.By, Approved

	case ClaimRejected:
		if c.Status != DeductionsReviewed && c.Status != InReview {
			return refuse(RefusedState, "a claim is rejected at its review")
		}
		if e.Reason == "" {
			return refuse(RefusedInvalid, "a rejection gives its reason")
		}
		n.Status, n.RejectedAt = Rejected, e.At

	case RejectionAppealed:
		if c.Status != Rejected {
			return refuse(RefusedState, "only a rejection can be appealed")
		}
		if closes := appealCloses(c.RejectedAt, cfg.AppealWindow); e.At.After(closes) {
			return refuse(RefusedTime, "the appeal window after the rejection closed on %s", closes.Format(time.DateOnly))
		}
		n.Status = InReview

	case ValuationChanged:
		if c.Asset != policy.AssetWealthManagement || c.Status == Redeemed || c.Status == PayoutPending {
			return refuse(RefusedState, "only a wealth-management holding not yet redeemed changes value")
		}
		if e.Amount == 0 || e.Amount < -c.Held || e.Amount > math.MaxInt64/2-c.Held {
			return refuse(RefusedInvalid, "a valuation change of %d on %d held", e.Amount, c.Held)
		}
		n.Held += e.Amount
		n.Valuation += e.Amount

	case ProductRedeemed:
		ch, _ := cfg.ChannelFor(c.Asset)
		if !ch.Redeem || c.Status != Approved {
			return refuse(RefusedState, "an approved claim on a redeemable product is redeemed once")
		}
		if e.Amount < 0 || e.Amount > math.MaxInt64/2 {
			return refuse(RefusedInvalid, "redemption proceeds of %d", e.Amount)
		}
		n.Valuation += e.Amount - c.Held
		n.Held = e.Amount
		n.Status = Redeemed

	case PayoutRequested:
		ch, _ := cfg.ChannelFor(c.Asset)
		switch {
		case c.Payout != nil:
			return refuse(RefusedInFlight, "payout %q is still in flight", c.Payout.Event)
		case ch.Redeem && c.Status == Approved:
			return refuse(RefusedRedemption, "the product is redeemed before the payout")
		case c.Status != Approved && c.Status != Redeemed:
			return refuse(RefusedState, "funds are paid out after approval")
		case !c.IdentityChecked || !c.HolderVerified:
			return refuse(RefusedIdentity, "nobody but the verified holder is paid")
		case !e.Destination.Verified || e.Destination.Name != c.Holder || e.Destination.Account == "":
			return refuse(RefusedDestination, "the payout must go to an account in the holder's own verified name")
		case c.Held <= 0:
			return refuse(RefusedFunds, "nothing is held")
		}
		n.Payout = &Payout{Event: e.ID, Amount: c.Held, Destination: e.Destination}
		n.Status = PayoutPending

	case PayoutConfirmed:
		if c.Payout == nil || e.Reference != c.Payout.Event {
			return refuse(RefusedState, "no payout %q is in flight", e.Reference)
		}
		n.Held -= c.Payout.Amount
		n.Paid += c.Payout.Amount
		n.Payouts = append(n.Payouts, *c.Payout)
		n.Payout, n.Status = nil, Paid

	case PayoutFailed:
		if c.Payout == nil || e.Reference != c.Payout.Event {
			return refuse(RefusedState, "no payout %q is in flight", e.Reference)
		}
		n.Payout, n.Status = nil, Approved
		if ch, _ := cfg.ChannelFor(c.Asset); ch.Redeem {
			n.Status = Redeemed
		}

	case LegalHoldPlaced:
		if c.LegalHold != "" {
			return refuse(RefusedOnHold, "legal hold %q stands already", c.LegalHold)
		}
		if e.Reference == "" {
			return refuse(RefusedInvalid, "a legal hold names its order")
		}
		n.LegalHold = e.Reference

	case LegalHoldLifted:
		if c.LegalHold == "" || e.Reference != c.LegalHold {
			return refuse(RefusedState, "no legal hold %q stands", e.Reference)
		}
		n.LegalHold = ""

	case Unclaimed:
		switch {
		case c.Payout != nil:
			return refuse(RefusedInFlight, "payout %q is still in flight", c.Payout.Event)
		case e.At.Sub(c.LastActivity) < cfg.Dormancy:
			return refuse(RefusedTime, "funds are unclaimed only after %s without activity", policy.Duration(cfg.Dormancy))
		case e.Payee == "":
			return refuse(RefusedInvalid, "unclaimed funds go to the authority the law names (payee)")
		}
		n.Remitted += n.Held
		n.Held = 0
		n.Pending = nil
		n.Status = Remitted

	default:
		return refuse(RefusedInvalid, "unknown event kind %d", e.Kind)
	}
	n.LastActivity = e.At
	n.applied = append(n.applied, e)
	n.Events = len(n.applied)
	return n, nil
}

// allowedOnHold lists what may happen while a legal hold stands: the hold
// itself, market movements, and a payout that comes back.
func allowedOnHold(k EventKind) bool {
	return k == LegalHoldLifted || k == LegalHoldPlaced || k == ValuationChanged || k == PayoutFailed
}

// needsPerson lists the steps a person must take.
func needsPerson(k EventKind) bool {
	switch k {
	case IdentityChecked, DeductionProposed, DeductionsClosed, DeductionWithdrawn, ClaimApproved, ClaimRejected, LegalHoldPlaced, LegalHoldLifted:
		return true
	}
	return false
}

// Replay folds events into the claim they make, stopping at the first
// refused one.
func (cfg Config) Replay(events []Event) (Claim, error) {
	var c Claim
	for i, e := range events {
		var err error
		if c, err = cfg.Apply(c, e); err != nil {
			return c, fmt.Errorf("event %d: %w", i, err)
		}
	}
	return c, nil
}
