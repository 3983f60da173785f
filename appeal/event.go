package appeal

import (
	"errors"
	"fmt"
	"time"

	"github.com/groupwarden/warden/internal/enumtext"
	"github.com/groupwarden/warden/policy"
)

// EventKind is what happened to a claim. The zero EventKind is not valid.
type EventKind uint8

// The events of a claim.
const (
	// Frozen starts a claim: a ban froze the holding (Amount, Currency) of
	// Account, whose real-name record names Holder (Verified when checked).
	Frozen EventKind = iota + 1
	// ClaimOpened: the holder asks for the funds on the asset's Channel.
	ClaimOpened
	// IdentityChecked: an agent (By) checked the claimant with Method against
	// the real-name record; Holder is the name proven.
	IdentityChecked
	// DeductionProposed: a person (By) proposes to deduct Amount on a typed
	// Basis, with its Reference and Payee.
	DeductionProposed
	// DeductionsClosed: a person (By) closes the review of deductions.
	DeductionsClosed
	// ClaimApproved: a person (By) approves the claim; pending deductions are executed.
	ClaimApproved
	// ClaimRejected: a person (By) rejects the claim for a Reason.
	ClaimRejected
	// RejectionAppealed: the holder appeals a rejection within the window.
	RejectionAppealed
	// ValuationChanged: the value of a wealth-management holding moved by Amount (signed).
	ValuationChanged
	// ProductRedeemed: the wealth-management product was sold for Amount.
	ProductRedeemed
	// PayoutRequested: the held funds are sent to Destination.
	PayoutRequested
	// PayoutConfirmed: the payout in flight arrived.
	PayoutConfirmed
	// PayoutFailed: the payout in flight came back.
	PayoutFailed
	// LegalHoldPlaced: a person (By) records an order (Reference) that pauses the claim.
	LegalHoldPlaced
	// LegalHoldLifted: a person (By) records that the order ended.
	LegalHoldLifted
	// Unclaimed: the dormancy passed without activity; the held funds are
	// remitted as the law says (Payee: the receiving authority).
	Unclaimed
	// DeductionWithdrawn: a person (By) withdraws the pending deduction
	// proposed by the event named in Reference.
	DeductionWithdrawn
)

var eventText = enumtext.New("event kind", "", "frozen", "claim-opened", "identity-checked", "deduction-proposed", "deductions-closed",
	"claim-approved", "claim-rejected", "rejection-appealed", "valuation-changed", "product-redeemed",
	"payout-requested", "payout-confirmed", "payout-failed", "legal-hold-placed", "legal-hold-lifted", "unclaimed",
	"deduction-withdrawn")

// String returns the event's name.
func (k EventKind) String() string { return eventText.String(uint8(k)) }

// MarshalText implements encoding.TextMarshaler.
func (k EventKind) MarshalText() ([]byte, error) { return eventText.Marshal(uint8(k)) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *EventKind) UnmarshalText(b []byte) error {
	v, err := eventText.Parse(string(b))
	*k = EventKind(v)
	return err
}

// Basis is the documented ground of a deduction. The zero Basis is not valid.
type Basis uint8

// The bases of deductions. Confiscation is a power of the state: the
// platform deducts only to return money to its payer or on a court's order.
const (
	// Chargeback returns a payment to its original payer.
	Chargeback Basis = iota + 1
	// CourtOrder pays what a court ordered.
	CourtOrder
)

var basisText = enumtext.New("deduction basis", "", "chargeback", "court-order")

// String returns the basis's name.
func (b Basis) String() string { return basisText.String(uint8(b)) }

// MarshalText implements encoding.TextMarshaler.
func (b Basis) MarshalText() ([]byte, error) { return basisText.Marshal(uint8(b)) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (b *Basis) UnmarshalText(t []byte) error {
	v, err := basisText.Parse(string(t))
	*b = Basis(v)
	return err
}

// Event is one fact of a claim. The caller stores events; the claim is
// their fold. Fields beyond ID, Kind and At are used by the kinds that say
// so. Events are comparable: the same event applied twice is recognised by
// its ID and has effect once.
type Event struct {
	ID   string    `json:"id"`
	Kind EventKind `json:"kind"`
	At   time.Time `json:"at"`
	// By is the person who acted; Automated marks an action no person took.
	By        string `json:"by,omitempty"`
	Automated bool   `json:"automated,omitempty"`

	Account  string           `json:"account,omitempty"`
	Holder   string           `json:"holder,omitempty"`
	Verified bool             `json:"verified,omitempty"`
	Asset    policy.AssetKind `json:"asset,omitempty"`
	Currency string           `json:"currency,omitempty"`
	Amount   int64            `json:"amount,omitempty"`

	Channel     string      `json:"channel,omitempty"`
	Method      string      `json:"method,omitempty"`
	Basis       Basis       `json:"basis,omitempty"`
	Reference   string      `json:"reference,omitempty"`
	Payee       string      `json:"payee,omitempty"`
	Reason      string      `json:"reason,omitempty"`
	Destination Destination `json:"destination,omitzero"`
}

// Refusal classifies why an event was refused.
type Refusal string

// The refusals.
const (
	RefusedInvalid     Refusal = "invalid-event"     // a field is missing or malformed
	RefusedState       Refusal = "wrong-state"       // the claim is not in a state that allows the event
	RefusedOnHold      Refusal = "legal-hold"        // a legal hold pauses the claim
	RefusedChannel     Refusal = "wrong-channel"     // the claim belongs on another channel
	RefusedIdentity    Refusal = "identity"          // the claimant is not the verified holder
	RefusedDestination Refusal = "destination"       // the payout would not reach the holder's own verified account
	RefusedNotHuman    Refusal = "not-human"         // a person must take this step
	RefusedFunds       Refusal = "insufficient"      // more than the held funds
	RefusedInFlight    Refusal = "payout-in-flight"  // one payout at a time
	RefusedConflict    Refusal = "conflict"          // an event id reused for another event
	RefusedTime        Refusal = "time"              // too early, too late, or out of order
	RefusedBasis       Refusal = "deduction-basis"   // a deduction without a documented basis
	RefusedRedemption  Refusal = "redemption-needed" // the product must be redeemed first
)

// RefusedError is returned for an event the claim's state does not allow.
// The state is unchanged.
type RefusedError struct {
	Event  string    `json:"event"`
	Kind   EventKind `json:"kind"`
	Status Status    `json:"status"`
	Code   Refusal   `json:"code"`
	Reason string    `json:"reason"`
}

// Error says which event was refused, in which state, and why.
func (e *RefusedError) Error() string {
	return fmt.Sprintf("appeal: %s event %q refused in state %s: %s: %s", e.Kind, e.Event, e.Status, e.Code, e.Reason)
}

// ErrRefused is matched by every RefusedError with errors.Is.
var ErrRefused = errors.New("appeal: event refused")

// Is makes errors.Is(err, ErrRefused) true for refusals.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }
