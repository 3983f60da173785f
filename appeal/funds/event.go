package funds

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/groupwarden/warden/policy"
)

// Event is one fact of a claim. The caller stores events; the claim is
// their fold. Fields beyond ID, Seq, Prev, Kind and At are used by the
// kinds that say so; an Account, Currency or Asset that an event of
// another kind names must be its claim's, so an event routed to the wrong
// claim is refused.
//
// Seq and Prev place the event in the claim's log: Seq is the claim's
// version plus one and Prev the claim's head ([Claim.Next] sets both), so
// an event written against a claim that moved on meanwhile is refused, and
// a log with a gap, a duplicate, a reordered, edited, removed or inserted
// event does not replay. An event applied again (same ID) has effect once
// when its content is the same; content compares by [Digest], which reads
// times as instants and ignores Seq and Prev, so a retry stamped again or
// read back from JSON in another zone is still the same event.
type Event struct {
	ID   string    `json:"id"`
	Seq  int       `json:"seq"`
	Prev string    `json:"prev,omitempty"`
	Kind EventKind `json:"kind"`
	At   time.Time `json:"at"`
	// By is the person who acted; Automated marks an action no person
	// took. Cosigner is the second person some steps need.
	By        string `json:"by,omitempty"`
	Automated bool   `json:"automated,omitempty"`
	Cosigner  string `json:"cosigner,omitempty"`

	Account  string           `json:"account,omitempty"`
	Holder   string           `json:"holder,omitempty"`
	Verified bool             `json:"verified,omitempty"`
	Asset    policy.AssetKind `json:"asset,omitempty"`
	Currency string           `json:"currency,omitempty"`
	Product  string           `json:"product,omitempty"`
	Amount   int64            `json:"amount,omitempty"`

	Channel     string      `json:"channel,omitempty"`
	Method      string      `json:"method,omitempty"`
	Basis       Basis       `json:"basis,omitempty"`
	Reference   string      `json:"reference,omitempty"`
	Payee       string      `json:"payee,omitempty"`
	Reason      string      `json:"reason,omitempty"`
	Destination Destination `json:"destination,omitzero"`
	// Corrected is the right time of the event a time correction names.
	Corrected time.Time `json:"corrected,omitzero"`
}

// Digest is the digest of an event's content: every field but Seq and
// Prev, with times as UTC instants. Two events with the same ID are the
// same event exactly when their digests are equal.
func Digest(e Event) string {
	e.Seq, e.Prev = 0, ""
	e.At = e.At.UTC()
	if !e.Corrected.IsZero() {
		e.Corrected = e.Corrected.UTC()
	}
	b, err := json.Marshal(e)
	if err != nil {
		// Only an invalid enum fails to marshal; Apply refuses those
		// first. Hash what can be hashed rather than nothing.
		b = []byte(e.ID + "\x00" + strconv.Itoa(int(e.Kind)))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// chain is the head of a log after an event with content digest digest at
// seq, following the head prev: each head covers every event before it.
func chain(prev string, seq int, digest string) string {
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write([]byte{0})
	h.Write([]byte(strconv.Itoa(seq)))
	h.Write([]byte{0})
	h.Write([]byte(digest))
	return hex.EncodeToString(h.Sum(nil))
}
