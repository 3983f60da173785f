package funds

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/groupwarden/warden/policy"
)

// Apply checks an event against a claim and returns the claim after it.
// now is the time it is for the caller (the library reads no clock); an
// event dated after it is refused. A refused event returns the claim
// unchanged with a *RefusedError. An event whose ID was applied before
// returns the claim unchanged and no error when its content is the same
// ([Digest]), and is refused with CodeIDConflict otherwise, so a retried
// event has effect once, also after the claim was stored and loaded.
// Apply never modifies the claim it is given.
//
// The common checks, in order: the claim is consistent ([Config.Check]);
// the event has an id, text in UTF-8 (what JSON stores as written) and
// within MaxText, a valid kind and a time no later than now; it is
// not a retry; its Seq is the claim's version plus one and its Prev the
// claim's head (else CodeVersion or CodeChain, both matching ErrConflict);
// it is not older than the claim's last event (time corrections aside);
// the claim is not over; an account, currency or asset kind the event
// names is the claim's (an event meant for another claim is refused). Then the row of [Transitions] for the event and
// the claim's status and route runs: a legal hold refuses what the row
// does not allow on hold, a person must act where the row says so, and
// the row's own checks run in order. Last, a time correction may move a
// time back only while that time is still to come (after now): one that
// erased activity or an appeal's start which had come is refused.
func (cfg Config) Apply(c Claim, e Event, now time.Time) (Claim, error) {
	if err := cfg.Check(c); err != nil {
		re := err.(*RefusedError)
		re.Event, re.Kind, re.Status = e.ID, e.Kind, c.Status
		return c, re
	}
	if r := basic(&e, now); r != nil {
		return c, r.at(&c, &e)
	}
	if i := slices.IndexFunc(c.Log, func(en Entry) bool { return en.ID == e.ID }); i >= 0 {
		if c.Log[i].Digest != Digest(e) {
			return c, refuse(CodeIDConflict, "id", "id %q belongs to another event (seq %d)", e.ID, c.Log[i].Seq).at(&c, &e)
		}
		return c, nil // a retry: applied already
	}
	n := c.clone()
	if err := cfg.step(&n, &e); err != nil {
		return c, err
	}
	if r := backdated(&c, &e, now); r != nil {
		return c, r.at(&c, &e)
	}
	return n, nil
}

// backdated refuses a time correction that moves a time back which had
// come already: dated before the claim's last event, or giving the event
// it corrects an earlier time. Either would erase activity the dormancy
// counts from, or close an appeal window early. A time still to come (a
// mistyped year the caller's clock let through) is what a correction
// moves back. Only the time of writing can tell, so Apply checks it and
// Replay cannot.
func backdated(c *Claim, e *Event, now time.Time) *refusal {
	if e.Kind != EventTimeCorrected {
		return nil
	}
	switch k := lastCorrectable(c); {
	case e.At.Before(c.LastActivity) && !c.LastActivity.After(now):
		return refuse(CodeTime, "at", "a correction is dated no earlier than the claim's last event (%s), which has come already", c.LastActivity.Format(time.RFC3339))
	case e.Corrected.Before(c.Log[k].At) && !c.Log[k].At.After(now):
		return refuse(CodeTime, "corrected", "moves event %q back from %s, a time that has come already", c.Log[k].ID, c.Log[k].At.Format(time.RFC3339))
	}
	return nil
}

// basic checks what an event must be whatever the claim: an id, a valid
// kind and enums, a time no later than now.
func basic(e *Event, now time.Time) *refusal {
	switch {
	case now.IsZero():
		return refuse(CodeInvalidEvent, "", "Apply needs the time it is now")
	case e.ID == "":
		return refuse(CodeInvalidEvent, "id", "an event needs an id")
	}
	if r := badText(e); r != nil {
		return r
	}
	switch {
	case !e.Kind.IsValid():
		return refuse(CodeUnknownTransition, "kind", "unknown event kind %d", e.Kind)
	case e.At.IsZero():
		return refuse(CodeInvalidEvent, "at", "an event needs a time")
	case !storable(e.At):
		return refuse(CodeInvalidEvent, "at", "%s is outside the years 0 to 9999 a stored time can have", e.At.UTC())
	case !storable(e.Corrected):
		return refuse(CodeInvalidEvent, "corrected", "%s is outside the years 0 to 9999 a stored time can have", e.Corrected.UTC())
	case e.Basis != 0 && !e.Basis.IsValid():
		return refuse(CodeBasis, "basis", "%d is not a basis", e.Basis)
	case !validAsset(e.Asset):
		return refuse(CodeInvalidEvent, "asset", "%d is not an asset kind", e.Asset)
	case e.At.After(now):
		return refuse(CodeFuture, "at", "dated %s, after now (%s)", e.At.Format(time.RFC3339), now.Format(time.RFC3339))
	case !e.Corrected.IsZero() && e.Corrected.After(now):
		return refuse(CodeFuture, "corrected", "dated %s, after now (%s)", e.Corrected.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	return nil
}

// badText refuses the first text field of e that is longer than MaxText
// or not valid UTF-8: JSON writes such bytes as U+FFFD, so the event read
// back would have another digest and the stored log would not replay.
func badText(e *Event) *refusal {
	for _, f := range [...]struct{ path, s string }{
		{"id", e.ID}, {"prev", e.Prev}, {"by", e.By}, {"cosigner", e.Cosigner}, {"account", e.Account},
		{"holder", e.Holder}, {"currency", e.Currency}, {"product", e.Product}, {"channel", e.Channel},
		{"method", e.Method}, {"reference", e.Reference}, {"payee", e.Payee}, {"reason", e.Reason},
		{"destination.account", e.Destination.Account}, {"destination.name", e.Destination.Name},
	} {
		switch {
		case len(f.s) > MaxText:
			return refuse(CodeLimit, f.path, "%d bytes of text, more than the %d an event's field may have", len(f.s), MaxText)
		case !utf8.ValidString(f.s):
			return refuse(CodeInvalidEvent, f.path, "text that is not UTF-8, which JSON would store as another event")
		}
	}
	return nil
}

// step applies a new event (not a retry) to n in place, or leaves n as it
// was and returns the refusal. n must own its lists.
func (cfg Config) step(n *Claim, e *Event) error {
	c := n // the checks read the state before the event
	var r *refusal
	switch {
	case e.Seq != c.Version+1:
		r = refuse(CodeVersion, "seq", "written for version %d, but the claim is at version %d", e.Seq-1, c.Version)
	case e.Prev != c.Head:
		r = refuse(CodeChain, "prev", "does not follow the claim's last event")
	case c.Version >= maxEvents:
		r = refuse(CodeLimit, "", "a claim has at most %d events", maxEvents)
	case c.Version > 0 && e.Kind != EventTimeCorrected && e.At.Before(c.LastActivity):
		r = refuse(CodeTime, "at", "at %s is before the claim's last event at %s (a person can correct a mistyped time with %s)",
			e.At.Format(time.RFC3339), c.LastActivity.Format(time.RFC3339), EventTimeCorrected)
	case c.Status.Final():
		r = refuse(CodeWrongState, "", "the claim is over")
	case c.Version > 0 && e.Account != "" && e.Account != c.Account:
		r = refuse(CodeInvalidEvent, "account", "names account %q, but the claim holds account %q's funds", e.Account, c.Account)
	case c.Version > 0 && e.Currency != "" && e.Currency != c.Currency:
		r = refuse(CodeInvalidEvent, "currency", "names %s, but the claim's amounts are in %s", e.Currency, c.Currency)
	case c.Version > 0 && e.Asset != 0 && e.Asset != c.Asset:
		r = refuse(CodeInvalidEvent, "asset", "names %s funds, but the claim holds %s funds", e.Asset, c.Asset)
	}
	var rw *row
	if r == nil {
		rw, r = cfg.find(c, e)
	}
	if r == nil && c.Version >= maxEvents-EndingEvents && !rw.ends() {
		r = refuse(CodeLimit, "", "a claim has at most %d events, the last %d of them kept to end it: only a release, a remittance, a payout's confirmation or failure, or lifting a legal hold is accepted now", maxEvents, EndingEvents)
	}
	if r == nil && c.LegalHold != "" && !rw.OnHold {
		r = refuse(CodeLegalHold, "", "legal hold %q pauses the claim", c.LegalHold)
	}
	if r == nil && rw.Person {
		r = person(e)
	}
	for i := 0; r == nil && i < len(rw.checks); i++ {
		r = rw.checks[i].fn(cfg, c, e)
	}
	if r != nil {
		return r.at(c, e)
	}
	prev := n.Head
	if rw.effect != nil {
		rw.effect(cfg, n, e)
	}
	if rw.To != 0 {
		n.Status = rw.To
	}
	n.compact()
	digest := Digest(*e)
	n.LastActivity = e.At.UTC()
	n.Version++
	n.Head = chain(prev, n.Version, digest)
	n.Log = append(n.Log, Entry{Seq: n.Version, ID: e.ID, Kind: e.Kind, At: e.At.UTC(), Digest: digest})
	return nil
}

// storable reports whether JSON can write t, as given and in UTC (the log
// keeps times in UTC), so that the claim can be stored and the digest
// covers the event.
func storable(t time.Time) bool {
	if _, off := t.Zone(); off%60 == 0 && -86400 < off && off < 86400 && 0 <= t.Year() && t.Year() <= 9999 && 0 <= t.UTC().Year() && t.UTC().Year() <= 9999 {
		return true // what JSON writes without trying it
	}
	_, err1 := t.MarshalJSON()
	_, err2 := t.UTC().MarshalJSON()
	return err1 == nil && err2 == nil
}

func validAsset(k policy.AssetKind) bool {
	_, err := k.MarshalText()
	return err == nil
}

// find returns the row for the event in the claim's status and route.
func (cfg Config) find(c *Claim, e *Event) (*row, *refusal) {
	r, _ := cfg.Route(c.Asset)
	for i := range table {
		rw := &table[i]
		if rw.Event != e.Kind || !rw.Route.admits(r.Redeem) {
			continue
		}
		if len(rw.From) == 0 && c.Status == 0 || slices.Contains(rw.From, c.Status) {
			return rw, nil
		}
	}
	if c.Status == 0 {
		return nil, refuse(CodeWrongState, "kind", "a claim starts with a %s event", EventFrozen)
	}
	if e.Kind == EventValuationChanged && !r.Redeem {
		return nil, refuse(CodeWrongState, "kind", "only a holding redeemed before its payout changes value")
	}
	return nil, refuse(CodeWrongState, "kind", "%s is not accepted in state %s", e.Kind, c.Status)
}

func (r *refusal) at(c *Claim, e *Event) *RefusedError {
	return &RefusedError{Event: e.ID, Kind: e.Kind, Status: c.Status, Code: r.code, Path: r.path, Reason: r.msg}
}

// Replay folds a stored log into the claim it makes, as of now. Beyond
// what Apply checks, the log must be exactly the claim's: numbered 1, 2, 3
// … without gap or duplicate, each event naming the head before it, no id
// twice. What only the time of writing can tell (an event after the
// caller's now then, a correction moving back a time that had come) is
// Apply's to refuse; Replay checks times against its own now, but for an
// event a later correction in the log names.
// A log with an edited, removed, inserted or reordered event stops
// at it with a *RefusedError whose Path is events[i].field. It returns the
// claim as far as the log replays.
func (cfg Config) Replay(events []Event, now time.Time) (Claim, error) {
	var c Claim
	seen := make(map[string]bool, len(events))
	// An event a later correction names is not held against now: a
	// mistyped year, once corrected, does not stop the log replaying until
	// that year comes. The correction's own times are.
	corrected := map[string]bool{}
	for _, e := range events {
		if e.Kind == EventTimeCorrected {
			corrected[e.Reference] = true
		}
	}
	for i, e := range events {
		at := now
		if corrected[e.ID] && e.At.After(now) {
			at = e.At
		}
		r := basic(&e, at)
		switch {
		case r != nil:
		case e.Seq != i+1:
			r = refuse(CodeSequence, "seq", "event %d of the log has seq %d", i+1, e.Seq)
		case seen[e.ID]:
			r = refuse(CodeSequence, "id", "id %q appears twice in the log", e.ID)
		case e.Prev != c.Head:
			r = refuse(CodeChain, "prev", "the log was changed before this event: it does not follow the events before it")
		}
		var err error
		if r != nil {
			err = r.at(&c, &e)
		} else {
			// The claim is Replay's own and consistent by construction: it
			// is stepped in place, without the copy and the check Apply
			// makes, so replay is linear in the log.
			before := c
			if err = cfg.step(&c, &e); err != nil {
				c = before
			}
		}
		if err != nil {
			re := *err.(*RefusedError)
			re.Path = policy.JoinPath(policy.IndexPath("events", i), re.Path)
			return c, &re
		}
		seen[e.ID] = true
	}
	return c, nil
}

// Verify reports whether a stored claim is the fold of its stored log: it
// replays the log and compares. It detects a snapshot that was edited, and,
// through the chain, any edited, removed or inserted event.
func (cfg Config) Verify(snapshot Claim, events []Event, now time.Time) error {
	c, err := cfg.Replay(events, now)
	if err != nil {
		return err
	}
	got, err1 := json.Marshal(c)
	want, err2 := json.Marshal(snapshot)
	if err1 != nil || err2 != nil || string(got) != string(want) {
		return &RefusedError{Status: snapshot.Status, Code: CodeSnapshotDiffers,
			Reason: fmt.Sprintf("the stored claim (version %d) is not the fold of its %d events", snapshot.Version, len(events))}
	}
	return nil
}
