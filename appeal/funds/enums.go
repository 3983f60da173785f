package funds

import "github.com/groupwarden/warden/internal/enumtext"

// Status is where a claim stands. The zero Status is the state before the
// first event and is not valid for a stored claim.
type Status uint8

// The states of a claim, in the order a claim goes through them; the last
// four are final.
const (
	StatusHeld Status = iota + 1
	StatusOpened
	StatusIdentityVerified
	StatusDeductionsReviewed
	StatusApproved
	StatusRedeemed
	StatusPayoutPending
	StatusRejected
	StatusInReview
	StatusPaid
	StatusRemitted
	StatusReleased
)

var statusText = enumtext.New("status", "", "held", "opened", "identity-verified", "deductions-reviewed", "approved",
	"redeemed", "payout-pending", "rejected", "in-review", "paid", "remitted", "released")

// ParseStatus returns the status named s.
func ParseStatus(s string) (Status, error) { v, err := statusText.Parse(s); return Status(v), err }

// String returns the status's name, "" for the zero Status.
func (s Status) String() string { return statusText.String(uint8(s)) }

// IsValid reports whether s is one of the states above.
func (s Status) IsValid() bool { return s >= StatusHeld && s <= StatusReleased }

// Final reports whether the claim is over: paid out, remitted or released.
func (s Status) Final() bool { return s == StatusPaid || s == StatusRemitted || s == StatusReleased }

// MarshalText implements encoding.TextMarshaler.
func (s Status) MarshalText() ([]byte, error) { return statusText.Marshal(uint8(s)) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Status) UnmarshalText(b []byte) error {
	v, err := statusText.Parse(string(b))
	*s = Status(v)
	return err
}

// activeStates are the states a claim can still leave.
var activeStates = []Status{StatusHeld, StatusOpened, StatusIdentityVerified, StatusDeductionsReviewed,
	StatusApproved, StatusRedeemed, StatusPayoutPending, StatusRejected, StatusInReview}

// EventKind is what happened to a claim. The zero EventKind is not valid.
type EventKind uint8

// The events of a claim. The transition table ([Transitions]) says in which
// states each is accepted, what it checks and where it leads.
const (
	// EventFrozen starts a claim: a ban froze the holding (Amount,
	// Currency, Product) of Account, whose holder of record is Holder
	// (Verified when the real-name record was verified).
	EventFrozen EventKind = iota + 1
	// EventOpened: the holder asks for the funds on the asset's Channel.
	EventOpened
	// EventIdentityChecked: a person (By) checked the claimant with Method
	// against the real-name record; Holder is the name proven.
	EventIdentityChecked
	// EventDeductionProposed: a person (By) proposes to deduct Amount on a
	// typed Basis, with its Reference and Payee.
	EventDeductionProposed
	// EventDeductionWithdrawn: a person (By) withdraws the pending
	// deduction proposed by the event named in Reference.
	EventDeductionWithdrawn
	// EventDeductionsClosed: a person (By) closes the review of deductions.
	EventDeductionsClosed
	// EventApproved: a person (By) approves the claim; the pending
	// deductions are executed.
	EventApproved
	// EventRejected: a person (By) rejects the claim for a Reason.
	EventRejected
	// EventRejectionAppealed: the holder appeals a rejection within the window.
	EventRejectionAppealed
	// EventValuationChanged: a person (By) records that the value of a
	// redeemable holding moved by Amount (signed); growth beyond the
	// configured bound needs a Cosigner.
	EventValuationChanged
	// EventRedeemed: the product was sold for Amount.
	EventRedeemed
	// EventPayoutRequested: the held funds are sent to Destination.
	EventPayoutRequested
	// EventPayoutConfirmed: the payout requested by the event named in
	// Reference arrived.
	EventPayoutConfirmed
	// EventPayoutFailed: the payout named in Reference came back.
	EventPayoutFailed
	// EventLegalHoldPlaced: a person (By) records an order (Reference)
	// that pauses the claim.
	EventLegalHoldPlaced
	// EventLegalHoldLifted: a person (By) records that the order ended.
	EventLegalHoldLifted
	// EventUnclaimed: the dormancy passed without activity; the held funds
	// are remitted to the configured authority (Payee).
	EventUnclaimed
	// EventReleased: a person (By) releases the held funds back to the
	// account because the ban was lifted on appeal (Reference: the ruling).
	EventReleased
	// EventTimeCorrected: a person (By) corrects the mistyped time of the
	// event named in Reference to Corrected, for a Reason; the mistyped
	// event stays in the log.
	EventTimeCorrected
)

var eventText = enumtext.New("event kind", "", "frozen", "opened", "identity-checked", "deduction-proposed",
	"deduction-withdrawn", "deductions-closed", "approved", "rejected", "rejection-appealed", "valuation-changed",
	"redeemed", "payout-requested", "payout-confirmed", "payout-failed", "legal-hold-placed", "legal-hold-lifted",
	"unclaimed", "released", "time-corrected")

// ParseEventKind returns the event kind named s.
func ParseEventKind(s string) (EventKind, error) {
	v, err := eventText.Parse(s)
	return EventKind(v), err
}

// String returns the event kind's name, "" for the zero EventKind.
func (k EventKind) String() string { return eventText.String(uint8(k)) }

// IsValid reports whether k is one of the event kinds above.
func (k EventKind) IsValid() bool { return k >= EventFrozen && k <= EventTimeCorrected }

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
	// BasisChargeback returns a payment to its original payer.
	BasisChargeback Basis = iota + 1
	// BasisCourtOrder pays what a court ordered.
	BasisCourtOrder
)

var basisText = enumtext.New("deduction basis", "", "chargeback", "court-order")

// ParseBasis returns the basis named s.
func ParseBasis(s string) (Basis, error) { v, err := basisText.Parse(s); return Basis(v), err }

// String returns the basis's name, "" for the zero Basis.
func (b Basis) String() string { return basisText.String(uint8(b)) }

// IsValid reports whether b is a chargeback or a court order.
func (b Basis) IsValid() bool { return b == BasisChargeback || b == BasisCourtOrder }

// MarshalText implements encoding.TextMarshaler.
func (b Basis) MarshalText() ([]byte, error) { return basisText.Marshal(uint8(b)) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (b *Basis) UnmarshalText(t []byte) error {
	v, err := basisText.Parse(string(t))
	*b = Basis(v)
	return err
}
