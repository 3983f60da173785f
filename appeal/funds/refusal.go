package funds

import (
	"errors"
	"fmt"

	"github.com/groupwarden/warden/policy"
)

// The codes of refused events. They are policy.Code values, so
// policy.CodeOf reads them from any error Apply or Replay returns.
const (
	CodeInvalidEvent      policy.Code = "invalid-event"         // a field is missing or malformed
	CodeWrongState        policy.Code = "wrong-state"           // the claim is not in a state that allows the event
	CodeLegalHold         policy.Code = "legal-hold"            // a legal hold pauses the claim
	CodeWrongChannel      policy.Code = "wrong-channel"         // the claim belongs on another channel
	CodeIdentity          policy.Code = "identity"              // the claimant is not the verified holder
	CodeDestination       policy.Code = "destination"           // the payout would not reach the holder's own verified account
	CodeNotPerson         policy.Code = "not-person"            // a person must take this step
	CodeSeparation        policy.Code = "separation-of-duties"  // the same person may not take both steps
	CodeSecondPerson      policy.Code = "second-person"         // the step needs a cosigner other than its author
	CodeInsufficient      policy.Code = "insufficient"          // more than the held funds
	CodeInFlight          policy.Code = "payout-in-flight"      // one payout at a time
	CodeIDConflict        policy.Code = "id-conflict"           // an event id reused for another event
	CodeTime              policy.Code = "time"                  // too early, too late, or out of order
	CodeFuture            policy.Code = "future"                // dated after the time the caller says it is
	CodeBasis             policy.Code = "deduction-basis"       // a deduction without a documented basis
	CodeDuplicateRef      policy.Code = "duplicate-reference"   // a reference deducted already
	CodeRedemption        policy.Code = "redemption-needed"     // the product must be redeemed first
	CodePayee             policy.Code = "payee"                 // remittance to anyone but the configured authority
	CodeVersion           policy.Code = "version-conflict"      // written against a version the claim has left
	CodeChain             policy.Code = "chain"                 // Prev is not the digest of the events before
	CodeSequence          policy.Code = "sequence"              // a log with a gap, a duplicate or a reordered event
	CodeSnapshot          policy.Code = "inconsistent-snapshot" // a claim no sequence of events could have made
	CodeSnapshotDiffers   policy.Code = "snapshot-differs"      // a stored claim that is not the fold of its log
	CodeLimit             policy.Code = "limit"                 // beyond MaxEvents, MaxAmount or MaxText
	CodeUnknownTransition policy.Code = "unknown-kind"          // an event kind the table does not know
)

// RefusedError is returned for an event the claim's state does not allow;
// the state is unchanged. Path names the field of the event at fault (for
// Replay, within events[i]); Code is one of the codes above.
type RefusedError struct {
	Event  string      `json:"event"`
	Kind   EventKind   `json:"kind"`
	Status Status      `json:"status"`
	Code   policy.Code `json:"code"`
	Path   string      `json:"path,omitempty"`
	Reason string      `json:"reason"`
}

// Error says which event was refused, in which state, where and why.
func (e *RefusedError) Error() string {
	where := ""
	if e.Path != "" {
		where = e.Path + ": "
	}
	return fmt.Sprintf("funds: %s event %q refused in state %s: %s%s: %s", e.Kind, e.Event, e.Status, where, e.Code, e.Reason)
}

// ErrRefused is matched by every RefusedError with errors.Is; ErrConflict
// by the ones that say another write came first (CodeVersion, CodeChain):
// reload the claim and decide again.
var (
	ErrRefused  = errors.New("funds: event refused")
	ErrConflict = errors.New("funds: concurrent write")
)

// Is makes errors.Is(err, ErrRefused) true for refusals, and
// errors.Is(err, ErrConflict) for version conflicts.
func (e *RefusedError) Is(target error) bool {
	return target == ErrRefused || target == ErrConflict && (e.Code == CodeVersion || e.Code == CodeChain)
}

// Unwrap returns the refusal as a *policy.Problem, so policy.CodeOf and
// policy.PathOf read it.
func (e *RefusedError) Unwrap() error {
	return &policy.Problem{Path: e.Path, Code: e.Code, Message: e.Reason}
}

// refusal is a refusal before it knows its event.
type refusal struct {
	code policy.Code
	path string
	msg  string
}

func refuse(code policy.Code, path, format string, args ...any) *refusal {
	return &refusal{code: code, path: path, msg: fmt.Sprintf(format, args...)}
}

func snapshotErr(path, msg string) error {
	return &RefusedError{Code: CodeSnapshot, Path: path, Reason: msg}
}
