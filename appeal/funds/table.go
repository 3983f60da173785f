package funds

import (
	"fmt"
	"slices"
	"strings"
)

// Transition is one row of the claim's state machine: in the states From,
// an event of kind Event that passes every check in Checks moves the claim
// to To (or leaves the status as it is when To is zero). Before the row's
// own checks every event passes the common ones of [Config.Apply].
type Transition struct {
	Event EventKind `json:"event"`
	// From are the states the event is accepted in; empty for the opening
	// event of a claim.
	From []Status `json:"from"`
	To   Status   `json:"to,omitempty"`
	// Route restricts the row to claims whose channel redeems the asset
	// (RouteRedeem) or does not (RouteDirect).
	Route Route `json:"route,omitempty"`
	// Person is set when a person must take the step (By, not Automated).
	Person bool `json:"person,omitempty"`
	// OnHold is set when the event is accepted while a legal hold stands.
	OnHold bool `json:"on_hold,omitempty"`
	// Checks name the row's own checks, in the order they run.
	Checks []string `json:"checks,omitempty"`
}

// Route selects rows by the claim's channel. The zero Route is RouteAny.
type Route uint8

// The routes a row can be restricted to.
const (
	RouteAny Route = iota
	RouteRedeem
	RouteDirect
)

var routeText = []string{"any", "redeem", "direct"}

// String returns the route's name.
func (r Route) String() string {
	if r.IsValid() {
		return routeText[r]
	}
	return fmt.Sprintf("route(%d)", uint8(r))
}

// ParseRoute returns the route named s.
func ParseRoute(s string) (Route, error) {
	if i := slices.Index(routeText, s); i >= 0 {
		return Route(i), nil
	}
	return 0, fmt.Errorf("unknown route %q (want one of: %s)", s, strings.Join(routeText, ", "))
}

// IsValid reports whether r is one of the routes above.
func (r Route) IsValid() bool { return int(r) < len(routeText) }

// MarshalText implements encoding.TextMarshaler.
func (r Route) MarshalText() ([]byte, error) {
	if !r.IsValid() {
		return nil, fmt.Errorf("invalid route %d", r)
	}
	return []byte(routeText[r]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *Route) UnmarshalText(b []byte) error {
	v, err := ParseRoute(string(b))
	*r = v
	return err
}

func (r Route) admits(redeem bool) bool {
	return r == RouteAny || (r == RouteRedeem) == redeem
}

// check is one named condition of a row.
type check struct {
	name string
	fn   func(cfg Config, c *Claim, e *Event) *refusal
}

// row is a Transition with its checks and its effect on the new state.
type row struct {
	Transition
	checks []check
	effect func(cfg Config, n *Claim, e *Event)
}

// ends reports whether the row ends a claim or clears the way to its end:
// what a claim at its last EndingEvents events still accepts.
func (r *row) ends() bool {
	return r.To.Final() || r.Event == EventPayoutFailed || r.Event == EventLegalHoldLifted
}

// except lists the active states but the given ones.
func except(s ...Status) []Status {
	return slices.DeleteFunc(slices.Clone(activeStates), func(a Status) bool { return slices.Contains(s, a) })
}

// table is the claim's state machine. Apply, the package documentation
// ([Transitions], [TransitionTable]) and the property test all read it.
var table = []row{
	{Transition: Transition{Event: EventFrozen, To: StatusHeld},
		checks: []check{chkFrozen}, effect: effFrozen},
	{Transition: Transition{Event: EventOpened, From: []Status{StatusHeld}, To: StatusOpened},
		checks: []check{chkChannel}, effect: func(cfg Config, n *Claim, e *Event) { n.Channel = e.Channel }},
	{Transition: Transition{Event: EventIdentityChecked, From: []Status{StatusOpened}, To: StatusIdentityVerified, Person: true},
		checks: []check{chkMethod, chkRecord, chkClaimant}, effect: func(cfg Config, n *Claim, e *Event) { n.IdentityCheckedBy = normal(e.By) }},
	{Transition: Transition{Event: EventDeductionProposed, From: []Status{StatusIdentityVerified}, Person: true},
		checks: []check{chkBasis, chkBasisNames, chkPositive, chkReferenceOnce, chkWithinHeld}, effect: effPropose},
	{Transition: Transition{Event: EventDeductionWithdrawn, From: []Status{StatusIdentityVerified, StatusDeductionsReviewed, StatusRejected, StatusInReview}, Person: true},
		checks: []check{chkPendingNamed}, effect: effWithdraw},
	{Transition: Transition{Event: EventDeductionsClosed, From: []Status{StatusIdentityVerified}, To: StatusDeductionsReviewed, Person: true}},
	{Transition: Transition{Event: EventApproved, From: []Status{StatusDeductionsReviewed, StatusInReview}, To: StatusApproved, Person: true},
		checks: []check{chkNotProposer, chkNotIdentityChecker, chkNotRejecter, chkPendingWithinHeld}, effect: effApprove},
	{Transition: Transition{Event: EventRejected, From: []Status{StatusDeductionsReviewed, StatusInReview}, To: StatusRejected, Person: true},
		checks: []check{chkReason, chkNotRejecter}, effect: effReject},
	{Transition: Transition{Event: EventRejectionAppealed, From: []Status{StatusRejected}, To: StatusInReview},
		checks: []check{chkAppealWindow}},
	{Transition: Transition{Event: EventValuationChanged, From: except(StatusRedeemed, StatusPayoutPending), Route: RouteRedeem, Person: true, OnHold: true},
		checks: []check{chkNonZero, chkStaysPositive, chkGrowth}, effect: effValuation},
	{Transition: Transition{Event: EventRedeemed, From: []Status{StatusApproved}, To: StatusRedeemed, Route: RouteRedeem},
		checks: []check{chkProceeds, chkGrowth}, effect: effRedeem},
	{Transition: Transition{Event: EventPayoutRequested, From: []Status{StatusApproved, StatusRedeemed}, To: StatusPayoutPending},
		checks: []check{chkRedeemedFirst, chkIdentityBehind, chkOwnDestination, chkSomethingHeld, chkRequestedAmount}, effect: effRequest},
	{Transition: Transition{Event: EventPayoutConfirmed, From: []Status{StatusPayoutPending}, To: StatusPaid},
		checks: []check{chkPayoutNamed, chkConfirmedAmount}, effect: effConfirm},
	{Transition: Transition{Event: EventPayoutFailed, From: []Status{StatusPayoutPending}, To: StatusApproved, Route: RouteDirect, OnHold: true},
		checks: []check{chkPayoutNamed}, effect: effFail},
	{Transition: Transition{Event: EventPayoutFailed, From: []Status{StatusPayoutPending}, To: StatusRedeemed, Route: RouteRedeem, OnHold: true},
		checks: []check{chkPayoutNamed}, effect: effFail},
	{Transition: Transition{Event: EventLegalHoldPlaced, From: activeStates, Person: true, OnHold: true},
		checks: []check{chkNoHold, chkOrderNamed}, effect: func(cfg Config, n *Claim, e *Event) { n.LegalHold = e.Reference }},
	{Transition: Transition{Event: EventLegalHoldLifted, From: activeStates, Person: true, OnHold: true},
		checks: []check{chkHoldNamed}, effect: func(cfg Config, n *Claim, e *Event) { n.LegalHold = "" }},
	{Transition: Transition{Event: EventUnclaimed, From: except(StatusPayoutPending), To: StatusRemitted},
		checks: []check{chkDormant, chkAuthority}, effect: effRemit},
	{Transition: Transition{Event: EventReleased, From: except(StatusPayoutPending), To: StatusReleased, Person: true},
		checks: []check{chkRulingNamed}, effect: effRelease},
	{Transition: Transition{Event: EventTimeCorrected, From: activeStates, Person: true, OnHold: true},
		checks: []check{chkReason, chkCorrectable}, effect: effCorrect},
}

func init() {
	for i := range table {
		for _, c := range table[i].checks {
			table[i].Checks = append(table[i].Checks, c.name)
		}
	}
}

// Transitions returns the claim's state machine, row by row.
func Transitions() []Transition {
	out := make([]Transition, len(table))
	for i, r := range table {
		out[i] = r.Transition
		out[i].From = slices.Clone(r.From)
		out[i].Checks = slices.Clone(r.Checks)
	}
	return out
}

// TransitionTable renders the state machine as the package documentation
// shows it: one line per row, event, from, to, route, who, checks.
func TransitionTable() string {
	var b strings.Builder
	for _, r := range table {
		from := "(none)"
		if len(r.From) > 0 {
			if slices.Equal(r.From, activeStates) {
				from = "any active"
			} else if len(r.From) > 4 {
				var not []string
				for _, s := range activeStates {
					if !slices.Contains(r.From, s) {
						not = append(not, s.String())
					}
				}
				from = "any active but " + strings.Join(not, ", ")
			} else {
				names := make([]string, len(r.From))
				for i, s := range r.From {
					names[i] = s.String()
				}
				from = strings.Join(names, ", ")
			}
		}
		to := "(same)"
		if r.To != 0 {
			to = r.To.String()
		}
		var notes []string
		if r.Route != RouteAny {
			notes = append(notes, "route "+r.Route.String())
		}
		if r.Person {
			notes = append(notes, "person")
		}
		if r.OnHold {
			notes = append(notes, "on hold")
		}
		fmt.Fprintf(&b, "%-20s %s -> %s", r.Event, from, to)
		if len(notes) > 0 {
			fmt.Fprintf(&b, " [%s]", strings.Join(notes, ", "))
		}
		if len(r.Checks) > 0 {
			fmt.Fprintf(&b, ": %s", strings.Join(r.Checks, "; "))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// The checks of the rows. Each says what it refuses.
var (
	chkFrozen = check{"account, currency and amount", func(cfg Config, c *Claim, e *Event) *refusal {
		switch {
		case e.Account == "":
			return refuse(CodeInvalidEvent, "account", "a freeze names the account")
		case e.Currency == "":
			return refuse(CodeInvalidEvent, "currency", "a freeze names the currency")
		case !inRange(e.Amount):
			return refuse(CodeInvalidEvent, "amount", "a frozen amount is between 0 and %d", MaxAmount)
		case e.Verified && e.Holder == "":
			return refuse(CodeInvalidEvent, "holder", "a verified real-name record names its holder")
		}
		return nil
	}}
	chkChannel = check{"the asset's channel", func(cfg Config, c *Claim, e *Event) *refusal {
		r, ok := cfg.Route(c.Asset)
		switch {
		case !ok:
			return refuse(CodeWrongChannel, "channel", "no channel recovers %s funds", c.Asset)
		case e.Channel != r.Channel:
			return refuse(CodeWrongChannel, "channel", "%s funds are recovered through the %s, not %q", c.Asset, r.Channel, e.Channel)
		}
		return nil
	}}
	chkMethod = check{"the channel's identity method", func(cfg Config, c *Claim, e *Event) *refusal {
		if r, _ := cfg.Route(c.Asset); e.Method != r.Identity {
			return refuse(CodeIdentity, "method", "the %s checks identity by %s, not %q", r.Channel, r.Identity, e.Method)
		}
		return nil
	}}
	chkRecord = check{"a verified record", func(cfg Config, c *Claim, e *Event) *refusal {
		if !c.HolderVerified {
			return refuse(CodeIdentity, "holder", "the account has no verified real-name record to check against")
		}
		return nil
	}}
	chkClaimant = check{"the claimant is the holder", func(cfg Config, c *Claim, e *Event) *refusal {
		if !plain(e.Holder) || !SamePerson(e.Holder, c.Holder) {
			return refuse(CodeIdentity, "holder", "the claimant %q is not the holder of record", e.Holder)
		}
		return nil
	}}
	chkBasis = check{"a typed basis", func(cfg Config, c *Claim, e *Event) *refusal {
		if !e.Basis.IsValid() {
			return refuse(CodeBasis, "basis", "a deduction needs a documented basis: a chargeback or a court order")
		}
		return nil
	}}
	chkBasisNames = check{"reference and payee", func(cfg Config, c *Claim, e *Event) *refusal {
		switch {
		case normal(e.Reference) == "":
			return refuse(CodeBasis, "reference", "a %s deduction names its reference", e.Basis)
		case normal(e.Payee) == "":
			return refuse(CodeBasis, "payee", "a %s deduction names its payee", e.Basis)
		}
		return nil
	}}
	chkPositive = check{"a positive amount", func(cfg Config, c *Claim, e *Event) *refusal {
		if e.Amount <= 0 || e.Amount > MaxAmount {
			return refuse(CodeInvalidEvent, "amount", "a deduction is between 1 and %d", MaxAmount)
		}
		return nil
	}}
	chkReferenceOnce = check{"each reference once", func(cfg Config, c *Claim, e *Event) *refusal {
		if c.hasReference(e.Reference) {
			return refuse(CodeDuplicateRef, "reference", "%q is deducted on this claim already", e.Reference)
		}
		return nil
	}}
	chkWithinHeld = check{"within what is held", func(cfg Config, c *Claim, e *Event) *refusal {
		if p := c.pending(); e.Amount > c.Held-p {
			return refuse(CodeInsufficient, "amount", "a deduction of %d with %d pending would exceed the %d held", e.Amount, p, c.Held)
		}
		return nil
	}}
	chkPendingNamed = check{"names a pending deduction", func(cfg Config, c *Claim, e *Event) *refusal {
		if !slices.ContainsFunc(c.Pending, func(d Deduction) bool { return d.Event == e.Reference }) {
			return refuse(CodeWrongState, "reference", "no pending deduction was proposed by %q", e.Reference)
		}
		return nil
	}}
	chkNotProposer = check{"the approver proposed no pending deduction, nor withdrew another's", func(cfg Config, c *Claim, e *Event) *refusal {
		for _, d := range c.Pending {
			if SamePerson(d.By, e.By) {
				return refuse(CodeSeparation, "by", "%q proposed deduction %q and cannot approve the claim", e.By, d.Event)
			}
		}
		for _, d := range c.Withdrawn {
			if SamePerson(d.WithdrawnBy, e.By) && !SamePerson(d.By, e.By) {
				return refuse(CodeSeparation, "by", "%q withdrew deduction %q, which %s proposed, and cannot approve the claim", e.By, d.Event, d.By)
			}
		}
		return nil
	}}
	chkNotIdentityChecker = check{"the approver did not check identity (SeparateIdentityCheck)", func(cfg Config, c *Claim, e *Event) *refusal {
		if cfg.SeparateIdentityCheck && SamePerson(c.IdentityCheckedBy, e.By) {
			return refuse(CodeSeparation, "by", "%q checked the holder's identity and cannot approve the claim", e.By)
		}
		return nil
	}}
	chkNotRejecter = check{"nobody who rejected the claim", func(cfg Config, c *Claim, e *Event) *refusal {
		if slices.ContainsFunc(c.Rejecters, func(r string) bool { return SamePerson(r, e.By) }) {
			return refuse(CodeSeparation, "by", "%q rejected the claim and cannot decide it again", e.By)
		}
		return nil
	}}
	chkPendingWithinHeld = check{"pending deductions within what is held", func(cfg Config, c *Claim, e *Event) *refusal {
		if p := c.pending(); p > c.Held {
			return refuse(CodeInsufficient, "", "pending deductions of %d exceed the %d held since the valuation changed; withdraw one first", p, c.Held)
		}
		return nil
	}}
	chkReason = check{"a reason", func(cfg Config, c *Claim, e *Event) *refusal {
		if normal(e.Reason) == "" {
			return refuse(CodeInvalidEvent, "reason", "a %s gives its reason", e.Kind)
		}
		return nil
	}}
	chkAppealWindow = check{"within the appeal window", func(cfg Config, c *Claim, e *Event) *refusal {
		if closes := AppealCloses(c.RejectedAt, cfg.AppealWindow); e.At.After(closes) {
			return refuse(CodeTime, "at", "the appeal window after the rejection closed on %s", closes.Format("2006-01-02"))
		}
		return nil
	}}
	chkNonZero = check{"a non-zero amount", func(cfg Config, c *Claim, e *Event) *refusal {
		if e.Amount == 0 || e.Amount > MaxAmount || e.Amount < -MaxAmount {
			return refuse(CodeInvalidEvent, "amount", "a valuation change is non-zero and within %d", MaxAmount)
		}
		return nil
	}}
	chkStaysPositive = check{"the holding stays within 0 and MaxAmount", func(cfg Config, c *Claim, e *Event) *refusal {
		switch {
		case c.Held+e.Amount < 0 || c.Held+e.Amount > MaxAmount:
			return refuse(CodeInsufficient, "amount", "a change of %d would leave %d held", e.Amount, c.Held+e.Amount)
		case c.Frozen+c.Valuation+e.Amount > MaxAmount:
			return refuse(CodeInsufficient, "amount", "a change of %d would take frozen and valuation to %d, beyond %d", e.Amount, c.Frozen+c.Valuation+e.Amount, MaxAmount)
		}
		return nil
	}}
	chkGrowth = check{"the change since the last cosigned level within ValuationGrowth either way, or cosigned", func(cfg Config, c *Claim, e *Event) *refusal {
		change := e.Amount
		if e.Kind == EventRedeemed {
			change = e.Amount - c.Held
		}
		// One change is bounded by what is held, and counts with the
		// unvouched ones before it against the level last vouched for:
		// steps each under the bound do not add up past it, up or down. A
		// change back toward that level is always within it.
		total := c.Unvouched + change
		if abs(change) <= cfg.growthBound(c.Held) && (abs(total) <= cfg.growthBound(c.Held-c.Unvouched) || abs(total) <= abs(c.Unvouched)) {
			return nil
		}
		switch {
		case normal(e.By) == "" || e.Automated:
			return refuse(CodeSecondPerson, "by", "a change of %d (%d since the last cosigned level) on %d held is more than the bound and needs a person and a cosigner", change, total, c.Held)
		case !cosigned(e):
			return refuse(CodeSecondPerson, "cosigner", "a change of %d (%d since the last cosigned level) on %d held is more than the bound and needs a second person", change, total, c.Held)
		}
		return nil
	}}
	chkProceeds = check{"proceeds within 0 and MaxAmount", func(cfg Config, c *Claim, e *Event) *refusal {
		switch {
		case !inRange(e.Amount):
			return refuse(CodeInvalidEvent, "amount", "redemption proceeds of %d", e.Amount)
		case c.Frozen+c.Valuation+e.Amount-c.Held > MaxAmount:
			return refuse(CodeInsufficient, "amount", "proceeds of %d would take frozen and valuation to %d, beyond %d", e.Amount, c.Frozen+c.Valuation+e.Amount-c.Held, MaxAmount)
		}
		return nil
	}}
	chkRedeemedFirst = check{"redeemed first", func(cfg Config, c *Claim, e *Event) *refusal {
		if r, _ := cfg.Route(c.Asset); r.Redeem && c.Status != StatusRedeemed {
			return refuse(CodeRedemption, "", "the product is redeemed before the payout")
		}
		return nil
	}}
	chkIdentityBehind = check{"a verified holder, identity checked", func(cfg Config, c *Claim, e *Event) *refusal {
		if c.IdentityCheckedBy == "" || !c.HolderVerified {
			return refuse(CodeIdentity, "", "nobody but the verified holder is paid")
		}
		return nil
	}}
	chkOwnDestination = check{"the holder's own verified account", func(cfg Config, c *Claim, e *Event) *refusal {
		return ownDestination(e.Destination, c.Holder)
	}}
	chkSomethingHeld = check{"something held", func(cfg Config, c *Claim, e *Event) *refusal {
		if c.Held <= 0 {
			return refuse(CodeInsufficient, "", "nothing is held")
		}
		return nil
	}}
	chkPayoutNamed = check{"names the payout in flight", func(cfg Config, c *Claim, e *Event) *refusal {
		if c.Payout == nil || e.Reference != c.Payout.Event {
			return refuse(CodeWrongState, "reference", "no payout %q is in flight", e.Reference)
		}
		return nil
	}}
	// A payout sends all that is held and a confirmation records it paid
	// in full: an amount the event states is that amount, or a payment of
	// part would be recorded as a payment of all.
	chkRequestedAmount = check{"an amount, if stated, is all that is held", func(cfg Config, c *Claim, e *Event) *refusal {
		if e.Amount != 0 && e.Amount != c.Held {
			return refuse(CodeInvalidEvent, "amount", "a payout sends all that is held, %d, not %d", c.Held, e.Amount)
		}
		return nil
	}}
	chkConfirmedAmount = check{"an amount, if stated, is the payout's", func(cfg Config, c *Claim, e *Event) *refusal {
		if e.Amount != 0 && e.Amount != c.Payout.Amount {
			return refuse(CodeInvalidEvent, "amount", "payout %q sends %d, not %d: a confirmation confirms the whole payout", c.Payout.Event, c.Payout.Amount, e.Amount)
		}
		return nil
	}}
	chkNoHold = check{"no hold stands", func(cfg Config, c *Claim, e *Event) *refusal {
		if c.LegalHold != "" {
			return refuse(CodeLegalHold, "", "legal hold %q stands already", c.LegalHold)
		}
		return nil
	}}
	chkOrderNamed = check{"names the order", func(cfg Config, c *Claim, e *Event) *refusal {
		if normal(e.Reference) == "" {
			return refuse(CodeInvalidEvent, "reference", "a legal hold names its order")
		}
		return nil
	}}
	chkHoldNamed = check{"names the hold", func(cfg Config, c *Claim, e *Event) *refusal {
		if c.LegalHold == "" || e.Reference != c.LegalHold {
			return refuse(CodeWrongState, "reference", "no legal hold %q stands", e.Reference)
		}
		return nil
	}}
	chkDormant = check{"dormancy passed (at least MinDormancyYears)", func(cfg Config, c *Claim, e *Event) *refusal {
		if from := cfg.dormantFrom(c.LastActivity); e.At.Before(from) {
			return refuse(CodeTime, "at", "funds are unclaimed only from %s, after the dormancy without activity", from.Format("2006-01-02"))
		}
		return nil
	}}
	chkAuthority = check{"the payee is the configured authority", func(cfg Config, c *Claim, e *Event) *refusal {
		switch {
		case normal(cfg.Authority) == "":
			return refuse(CodePayee, "payee", "no authority is configured to receive unclaimed funds")
		case !SamePerson(e.Payee, cfg.Authority):
			return refuse(CodePayee, "payee", "unclaimed funds go to %s, not %q", cfg.Authority, e.Payee)
		}
		return nil
	}}
	chkRulingNamed = check{"names the ruling", func(cfg Config, c *Claim, e *Event) *refusal {
		if normal(e.Reference) == "" {
			return refuse(CodeInvalidEvent, "reference", "a release names the ruling that lifted the ban")
		}
		return nil
	}}
	chkCorrectable = check{"names the last event; the corrected time keeps the order", func(cfg Config, c *Claim, e *Event) *refusal {
		k := lastCorrectable(c)
		switch {
		case k < 0 || c.Log[k].ID != e.Reference:
			return refuse(CodeWrongState, "reference", "only the time of the latest event can be corrected, not %q", e.Reference)
		case e.Corrected.IsZero():
			return refuse(CodeInvalidEvent, "corrected", "a correction gives the right time")
		case k > 0 && e.Corrected.Before(c.Log[k-1].At):
			return refuse(CodeTime, "corrected", "the corrected time is before the event before it")
		case e.Corrected.After(e.At):
			return refuse(CodeTime, "corrected", "the corrected time is after the correction")
		}
		return nil
	}}
)

// ownDestination refuses a destination that is not a verified account in
// the holder's own name. Apply checks it on a payout's request, Check on
// every payout a claim holds.
func ownDestination(d Destination, holder string) *refusal {
	switch {
	case strings.TrimSpace(d.Account) == "":
		return refuse(CodeDestination, "destination.account", "the payout names the account it goes to")
	case !d.Verified:
		return refuse(CodeDestination, "destination.verified", "the payout must go to a verified account")
	case !plain(d.Name) || !SamePerson(d.Name, holder):
		return refuse(CodeDestination, "destination.name", "the payout must go to an account in the holder's own name, not %q", d.Name)
	}
	return nil
}

// lastCorrectable is the index of the latest logged event that is not a
// correction itself, or -1.
func lastCorrectable(c *Claim) int {
	for k := len(c.Log) - 1; k >= 0; k-- {
		if c.Log[k].Kind != EventTimeCorrected {
			return k
		}
	}
	return -1
}

// The effects of the rows on the new state.
func effFrozen(cfg Config, n *Claim, e *Event) {
	*n = Claim{Account: e.Account, Holder: strings.TrimSpace(e.Holder), HolderVerified: e.Verified, Asset: e.Asset,
		Currency: e.Currency, Product: e.Product, Frozen: e.Amount, Held: e.Amount}
}

func effPropose(cfg Config, n *Claim, e *Event) {
	n.Pending = append(n.Pending, Deduction{Event: e.ID, Amount: e.Amount, Basis: e.Basis,
		Reference: strings.TrimSpace(e.Reference), Payee: strings.TrimSpace(e.Payee), By: normal(e.By)})
}

func effWithdraw(cfg Config, n *Claim, e *Event) {
	i := slices.IndexFunc(n.Pending, func(d Deduction) bool { return d.Event == e.Reference })
	d := n.Pending[i]
	d.WithdrawnBy = normal(e.By)
	n.Withdrawn = append(n.Withdrawn, d)
	n.Pending = slices.Delete(n.Pending, i, i+1)
}

func effApprove(cfg Config, n *Claim, e *Event) {
	for _, d := range n.Pending {
		n.Held -= d.Amount
		n.Deducted += d.Amount
	}
	n.Deductions = append(n.Deductions, n.Pending...)
	n.Pending = nil
	n.ApprovedBy = normal(e.By)
}

func effReject(cfg Config, n *Claim, e *Event) {
	n.RejectedAt = e.At.UTC()
	if !slices.Contains(n.Rejecters, normal(e.By)) {
		n.Rejecters = append(n.Rejecters, normal(e.By))
	}
}

func effValuation(cfg Config, n *Claim, e *Event) {
	n.Held += e.Amount
	n.Valuation += e.Amount
	n.vouch(e, e.Amount)
}

func effRedeem(cfg Config, n *Claim, e *Event) {
	gain := e.Amount - n.Held
	n.Valuation += gain
	n.Held = e.Amount
	n.vouch(e, gain)
}

// vouch counts a valuation change of gain: a cosigned one vouches for the
// new level, any other adds to what is unvouched.
func (n *Claim) vouch(e *Event, gain int64) {
	if cosigned(e) {
		n.Unvouched = 0
	} else {
		n.Unvouched += gain
	}
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// cosigned reports whether a person and a second, different person signed
// the event.
func cosigned(e *Event) bool {
	return !e.Automated && normal(e.By) != "" && normal(e.Cosigner) != "" && !SamePerson(e.Cosigner, e.By)
}

func effRequest(cfg Config, n *Claim, e *Event) {
	d := e.Destination
	d.Name = strings.TrimSpace(d.Name)
	n.Payout = &Payout{Event: e.ID, Amount: n.Held, Destination: d}
}

func effConfirm(cfg Config, n *Claim, e *Event) {
	n.Held -= n.Payout.Amount
	n.Paid += n.Payout.Amount
	n.Payouts = append(n.Payouts, *n.Payout)
	n.Payout = nil
}

func effFail(cfg Config, n *Claim, e *Event) { n.Payout = nil }

func effRemit(cfg Config, n *Claim, e *Event) {
	n.Remitted += n.Held
	n.Held, n.Pending = 0, nil
}

func effRelease(cfg Config, n *Claim, e *Event) {
	n.Released += n.Held
	n.Held, n.Pending = 0, nil
}

func effCorrect(cfg Config, n *Claim, e *Event) {
	k := lastCorrectable(n)
	if n.Log[k].Kind == EventRejected {
		n.RejectedAt = e.Corrected.UTC()
	}
}

// person reports whether the event names a person who acted.
func person(e *Event) *refusal {
	if normal(e.By) == "" || e.Automated {
		return refuse(CodeNotPerson, "by", "a person must take the step %s, and the event names none", e.Kind)
	}
	return nil
}
