package funds

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/groupwarden/warden/policy"
)

// Claim is the state of the recovery of one frozen holding: the fold of its
// events. Amounts are integer minor units of Currency. The zero Claim is
// the state before the first event. A Claim survives JSON: stored and
// loaded again it recognises every event it applied, and [Config.Check]
// refuses one whose numbers do not add up.
type Claim struct {
	Account  string           `json:"account"`
	Holder   string           `json:"holder"`
	Asset    policy.AssetKind `json:"asset"`
	Currency string           `json:"currency"`
	Product  string           `json:"product,omitempty"`
	Channel  string           `json:"channel,omitempty"`
	Status   Status           `json:"status"`

	// Frozen is what was frozen; Valuation the sum of explicit valuation
	// changes since. Held + Paid + Deducted + Remitted + Released always
	// equals Frozen + Valuation.
	Frozen    int64 `json:"frozen"`
	Valuation int64 `json:"valuation"`
	// Unvouched is the net valuation change since a second person last
	// vouched for the holding (a cosigned change or redemption) or since
	// the freeze: without a cosigner it stays within ValuationGrowth of
	// the level vouched for, up or down, however the changes are split.
	Unvouched int64 `json:"unvouched,omitempty"`
	Held      int64 `json:"held"`
	Paid      int64 `json:"paid"`
	Deducted  int64 `json:"deducted"`
	Remitted  int64 `json:"remitted"`
	Released  int64 `json:"released"`

	// HolderVerified is the account's verified real-name record;
	// IdentityCheckedBy the person who checked that the claimant is its
	// holder. Names of people are kept normalised (see [SamePerson]).
	HolderVerified    bool        `json:"holder_verified"`
	IdentityCheckedBy string      `json:"identity_checked_by,omitempty"`
	Deductions        []Deduction `json:"deductions,omitempty"`
	// Pending holds deductions proposed but not yet executed; approval
	// executes them. Withdrawn keeps the ones withdrawn, with who withdrew
	// them: whoever withdrew another's deduction does not approve.
	Pending    []Deduction `json:"pending,omitempty"`
	Withdrawn  []Deduction `json:"withdrawn,omitempty"`
	ApprovedBy string      `json:"approved_by,omitempty"`
	// Rejecters are the people who rejected the claim; none of them
	// decides it again on appeal.
	Rejecters  []string  `json:"rejecters,omitempty"`
	RejectedAt time.Time `json:"rejected_at,omitzero"`
	// LegalHold, when set, names the order that pauses the claim.
	LegalHold string `json:"legal_hold,omitempty"`
	// Payout is the payout in flight, if any; Payouts the ones paid.
	Payout  *Payout  `json:"payout,omitempty"`
	Payouts []Payout `json:"payouts,omitempty"`
	// LastActivity is the time of the last event; dormancy counts from it.
	LastActivity time.Time `json:"last_activity,omitzero"`

	// Version counts the events applied; the next event carries Seq
	// Version+1. Head is the digest of the chain of events so far, which
	// the next event names as Prev. Log holds, per event applied, what
	// recognises it when it comes again.
	Version int     `json:"version"`
	Head    string  `json:"head,omitempty"`
	Log     []Entry `json:"log,omitempty"`
}

// Entry records one applied event: enough to recognise it when it is
// retried and to correct its time.
type Entry struct {
	Seq  int       `json:"seq"`
	ID   string    `json:"id"`
	Kind EventKind `json:"kind"`
	At   time.Time `json:"at"`
	// Digest is the event's content digest ([Digest]).
	Digest string `json:"digest"`
}

// Deduction is an amount taken from the held funds on a documented basis.
type Deduction struct {
	Event  string `json:"event"`
	Amount int64  `json:"amount"`
	Basis  Basis  `json:"basis"`
	// Reference is the chargeback or the court order; a reference is
	// deducted at most once per claim.
	Reference string `json:"reference"`
	// Payee receives the amount: the original payer of a chargeback, the
	// party a court order names.
	Payee string `json:"payee"`
	By    string `json:"by"`
	// WithdrawnBy is the person who withdrew the deduction, if anyone.
	WithdrawnBy string `json:"withdrawn_by,omitempty"`
}

// Payout is money sent to the holder.
type Payout struct {
	Event       string      `json:"event"`
	Amount      int64       `json:"amount"`
	Destination Destination `json:"destination"`
}

// Destination is where a payout goes. It must be in the holder's own,
// verified name.
type Destination struct {
	Account  string `json:"account"`
	Name     string `json:"name"`
	Verified bool   `json:"verified"`
}

// SamePerson reports whether two names name the same person: names are
// compared in their compatibility form (NFKC, so a full-width or
// mathematical letter is the letter), with case folded, invisible
// characters (zero-width, bidirectional marks, other format characters)
// dropped and every run of space made one space, then trimmed. So
// "Reviewer-7 " is reviewer-7, and so are "ｒｅｖｉｅｗｅｒ-7" and
// "reviewer\u200b-7". Letters of another script that merely look alike
// (a Cyrillic "е" for a Latin "e") stay different: names of people are
// best the stable identifiers of a sign-in system.
func SamePerson(a, b string) bool { return normal(a) == normal(b) }

// normal is the form names and references are compared and kept in.
func normal(name string) string {
	if normalASCII(name) {
		return name // most names, and every name a claim keeps
	}
	s := norm.NFKC.String(name)
	s = cases.Fold().String(strings.Map(func(r rune) rune {
		if invisible(r) {
			return -1
		}
		return r
	}, s))
	return strings.Join(strings.Fields(norm.NFKC.String(s)), " ")
}

// normalASCII reports whether s is printable ASCII in its normal form
// already: no capital, no space at either end or twice in a row.
func normalASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b < ' ' || b >= 0x7f || 'A' <= b && b <= 'Z':
			return false
		case b == ' ' && (i == 0 || i == len(s)-1 || s[i-1] == ' '):
			return false
		}
	}
	return true
}

// invisible reports whether r is a character that shows nothing: a
// control or format character, or one Unicode says to ignore by default.
func invisible(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector) && !unicode.IsSpace(r)
}

// plain reports whether s has no invisible characters: a name that must
// match the holder's is refused with any.
func plain(s string) bool { return !strings.ContainsFunc(s, invisible) }

// refKey is the form references compare in: as names do, and without any
// space, so "cb - 991" is cb-991.
func refKey(ref string) string { return strings.ReplaceAll(normal(ref), " ", "") }

// Conserved reports whether the money adds up and no amount is negative.
func (c *Claim) Conserved() bool {
	return c.Held >= 0 && c.Paid >= 0 && c.Deducted >= 0 && c.Remitted >= 0 && c.Released >= 0 &&
		c.Held+c.Paid+c.Deducted+c.Remitted+c.Released == c.Frozen+c.Valuation
}

// Next stamps an event for this claim: its Seq is the claim's next version
// and its Prev the claim's head. A store appends it only if the claim it
// holds is still at that version (compare and append).
func (c *Claim) Next(e Event) Event {
	e.Seq, e.Prev = c.Version+1, c.Head
	return e
}

// pending is the sum of the pending deductions.
func (c *Claim) pending() int64 {
	var sum int64
	for _, d := range c.Pending {
		sum += d.Amount
	}
	return sum
}

// hasReference reports whether a deduction, pending or executed, has the
// reference already.
func (c *Claim) hasReference(ref string) bool {
	key := refKey(ref)
	same := func(d Deduction) bool { return refKey(d.Reference) == key }
	return slices.ContainsFunc(c.Pending, same) || slices.ContainsFunc(c.Deductions, same)
}

// compact makes empty lists nil, so a claim equals itself read back from
// JSON.
func (c *Claim) compact() {
	if len(c.Pending) == 0 {
		c.Pending = nil
	}
	if len(c.Deductions) == 0 {
		c.Deductions = nil
	}
	if len(c.Withdrawn) == 0 {
		c.Withdrawn = nil
	}
}

// clone copies the claim so that applying an event never touches the
// state it was given.
func (c Claim) clone() Claim {
	c.Deductions = slices.Clone(c.Deductions)
	c.Pending = slices.Clone(c.Pending)
	c.Withdrawn = slices.Clone(c.Withdrawn)
	c.Payouts = slices.Clone(c.Payouts)
	c.Rejecters = slices.Clone(c.Rejecters)
	c.Log = slices.Clone(c.Log)
	if c.Payout != nil {
		p := *c.Payout
		c.Payout = &p
	}
	return c
}

// Check reports whether a claim is one that events could have made: its
// amounts add up and are in bounds, its derived fields (totals, version,
// status and the fields each status implies) agree with the rest, every
// payout it holds goes to a verified account in the holder's name, and its
// approver proposed no deduction, withdrew none of another's and rejected
// nothing. Apply checks every claim it is given, so a hand-made or damaged
// snapshot is refused before anything is applied to it. Check cannot tell a consistent
// forgery from the real thing: [Config.Verify] replays the events for that.
func (cfg Config) Check(c Claim) error {
	if c.Version == 0 {
		if !c.isZero() {
			return snapshotErr("version", "a claim without events has no other state")
		}
		return nil
	}
	type rule struct {
		ok   bool
		path string
		msg  string
	}
	deducted, okDeducted := bounded(c.Deductions, func(d Deduction) int64 { return d.Amount })
	_, okPending := bounded(c.Pending, func(d Deduction) int64 { return d.Amount })
	paid, okPaid := bounded(c.Payouts, func(p Payout) int64 { return p.Amount })
	inFlight := c.Status == StatusPayoutPending
	rules := []rule{
		{c.Status.IsValid(), "status", "not a status"},
		{c.Account != "" && c.Currency != "", "account", "a claim names its account and currency"},
		{c.Version == len(c.Log) && c.Version <= maxEvents, "version", fmt.Sprintf("version %d with %d entries in the log", c.Version, len(c.Log))},
		{len(c.Log) > 0 && c.Log[0].Kind == EventFrozen && c.Head != "", "log", "the log starts with the freeze and has a head"},
		{len(c.Log) == 0 || c.LastActivity.Equal(c.Log[len(c.Log)-1].At), "last_activity", "differs from the time of the last event"},
		{inRange(c.Frozen) && inRange(c.Held) && inRange(c.Paid) && inRange(c.Deducted) && inRange(c.Remitted) &&
			inRange(c.Released) && inRange(c.Frozen+c.Valuation) && -MaxAmount <= c.Unvouched && c.Unvouched <= MaxAmount, "frozen", fmt.Sprintf("an amount outside 0..%d", MaxAmount)},
		{c.Conserved(), "held", fmt.Sprintf("held %d + paid %d + deducted %d + remitted %d + released %d is not frozen %d + valuation %d",
			c.Held, c.Paid, c.Deducted, c.Remitted, c.Released, c.Frozen, c.Valuation)},
		{okDeducted && okPending, "deductions", "a deduction, or the sum of the executed or the pending ones, outside 1..MaxAmount"},
		{deducted == c.Deducted, "deducted", fmt.Sprintf("%d is not the sum %d of the deductions", c.Deducted, deducted)},
		{okPaid, "payouts", "a payout, or the sum of the payouts, outside 1..MaxAmount"},
		{paid == c.Paid, "paid", fmt.Sprintf("%d is not the sum %d of the payouts", c.Paid, paid)},
		{(c.Payout != nil) == inFlight, "payout", "a payout is in flight exactly when the status is payout-pending"},
		{c.Payout == nil || c.Payout.Amount == c.Held, "payout.amount", "a payout in flight is what is held"},
		{c.Paid == 0 || c.Status == StatusPaid, "paid", "money is paid only by the payout that ends the claim"},
		{c.Remitted == 0 || c.Status == StatusRemitted, "remitted", "money is remitted only by the event that ends the claim"},
		{c.Released == 0 || c.Status == StatusReleased, "released", "money is released only by the event that ends the claim"},
		{!c.Status.Final() || c.Held == 0, "held", "a claim that is over holds nothing"},
		{!c.HolderVerified || c.Holder != "", "holder", "a verified record names its holder"},
		{c.IdentityCheckedBy == "" || c.HolderVerified, "identity_checked_by", "identity is checked only against a verified record"},
		{c.IdentityCheckedBy != "" || !slices.Contains(checkedStates, c.Status), "identity_checked_by", "no identity check, in a state that needs one"},
		{c.ApprovedBy != "" || !slices.Contains(approvedStates, c.Status), "approved_by", "no approval, in a state that needs one"},
		{!c.RejectedAt.IsZero() == (len(c.Rejecters) > 0), "rejected_at", "a rejection has a time and a person"},
	}
	for _, r := range rules {
		if !r.ok {
			return snapshotErr(r.path, r.msg)
		}
	}
	refs := map[string]bool{}
	for i, d := range slices.Concat(c.Deductions, c.Pending) {
		if d.Amount <= 0 || !d.Basis.IsValid() || d.By == "" || refs[refKey(d.Reference)] {
			return snapshotErr(policy.IndexPath("deductions", i), "a deduction is positive, has a basis and a person, and its reference is deducted once")
		}
		refs[refKey(d.Reference)] = true
	}
	if a := c.ApprovedBy; a != "" {
		same := func(name string) bool { return SamePerson(name, a) }
		if slices.ContainsFunc(c.Deductions, func(d Deduction) bool { return same(d.By) }) || slices.ContainsFunc(c.Rejecters, same) ||
			slices.ContainsFunc(c.Withdrawn, func(d Deduction) bool { return same(d.WithdrawnBy) && !same(d.By) }) {
			return snapshotErr("approved_by", "the approver proposed a deduction, withdrew another's, or rejected the claim")
		}
	}
	for i, p := range c.Payouts {
		if r := ownDestination(p.Destination, c.Holder); r != nil {
			return snapshotErr(policy.JoinPath(policy.IndexPath("payouts", i), r.path), r.msg)
		}
	}
	if c.Payout != nil {
		if r := ownDestination(c.Payout.Destination, c.Holder); r != nil {
			return snapshotErr(policy.JoinPath("payout", r.path), r.msg)
		}
	}
	for i, d := range c.Withdrawn {
		if d.By == "" || d.WithdrawnBy == "" {
			return snapshotErr(policy.IndexPath("withdrawn", i), "a withdrawn deduction names who proposed and who withdrew it")
		}
	}
	ids := map[string]bool{}
	for i, en := range c.Log {
		if en.Seq != i+1 || en.ID == "" || ids[en.ID] || !en.Kind.IsValid() {
			return snapshotErr(policy.IndexPath("log", i), "entries are numbered from 1, with distinct ids")
		}
		ids[en.ID] = true
	}
	return nil
}

// The states that need an identity check or an approval behind them.
var (
	checkedStates  = []Status{StatusIdentityVerified, StatusDeductionsReviewed, StatusApproved, StatusRedeemed, StatusPayoutPending, StatusPaid, StatusRejected, StatusInReview}
	approvedStates = []Status{StatusApproved, StatusRedeemed, StatusPayoutPending, StatusPaid}
)

func inRange(v int64) bool { return v >= 0 && v <= MaxAmount }

// bounded sums the amounts of xs; ok is false when one is outside
// 1..MaxAmount or the running sum passes MaxAmount, so no sum wraps.
func bounded[T any](xs []T, amount func(T) int64) (sum int64, ok bool) {
	for _, x := range xs {
		a := amount(x)
		if a < 1 || a > MaxAmount || sum+a > MaxAmount {
			return sum, false
		}
		sum += a
	}
	return sum, true
}

func (c *Claim) isZero() bool {
	return c.Status == 0 && c.Account == "" && c.Frozen == 0 && c.Held == 0 && c.Head == "" && len(c.Log) == 0 &&
		c.Payout == nil && len(c.Deductions) == 0 && len(c.Pending) == 0 && len(c.Withdrawn) == 0 && c.Valuation == 0 && c.Unvouched == 0
}
