package funds_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/appeal/funds"
	"github.com/groupwarden/warden/policy"
)

// sequences is how many generated event sequences the properties are
// checked over (a tenth of them under the race detector).
var sequences = map[bool]int{false: 12000, true: 1200}[raceEnabled]

// generator makes event sequences that mostly follow the transition table
// and often stray from it: wrong channels, wrong people, the same person
// twice, machines acting, foreign destinations, holds, retries, reused ids,
// stale versions, time going back or ahead of now, mistyped years.
type generator struct {
	rng    *rand.Rand
	cfg    funds.Config
	at     time.Time
	now    time.Time
	n      int
	holder string
	// dormant is set when the last step jumped past the dormancy.
	dormant bool
	sent    []funds.Event // every event applied successfully, retries included
}

func (g *generator) pick(p float64) bool { return g.rng.Float64() < p }

// statedAmount is the amount a payout event states: mostly none, else the
// whole amount or, a bank's or a careless caller's error, a part or more.
func (g *generator) statedAmount(whole int64) int64 {
	switch x := g.rng.Float64(); {
	case x < 0.7:
		return 0
	case x < 0.85:
		return whole
	case x < 0.95:
		return whole / 2
	}
	return whole + 1
}

var people = []string{"agent-0", "Agent-1 ", "agent-2", " AGENT-0", "supervisor-3", "agent-1"}

func (g *generator) person() (string, bool) {
	switch x := g.rng.Float64(); {
	case x < 0.04:
		return "", false
	case x < 0.08:
		return "batch-job", true
	}
	return people[g.rng.IntN(len(people))], false
}

// transitions is the table the generator and the checks read.
var transitions = funds.Transitions()

// forward is, per state, the event kinds the table accepts there that move
// a claim along its flow: rows open in most states (holds, corrections,
// releases, remittance, valuations) come from the random picks instead.
var forward = func() map[funds.Status][]funds.EventKind {
	out := map[funds.Status][]funds.EventKind{}
	for _, t := range transitions {
		if len(t.From) > 4 {
			continue
		}
		for _, s := range t.From {
			if !slices.Contains(out[s], t.Event) {
				out[s] = append(out[s], t.Event)
			}
		}
	}
	return out
}()

func (g *generator) event(c funds.Claim) funds.Event {
	g.n++
	switch {
	case g.pick(0.03):
		g.at = g.at.Add(-time.Hour) // out of order
	case g.pick(0.015):
		// The dormancy passes: the configured one, or just the floor.
		g.at = g.at.Add(g.cfg.Dormancy).AddDate(0, 0, 1)
		if g.pick(0.3) {
			g.at = g.at.AddDate(funds.MinDormancyYears, 0, 1)
		}
		g.dormant = true
	default:
		g.at = g.at.Add(time.Duration(g.rng.IntN(72)+1) * time.Hour)
	}
	g.now = g.at.Add(time.Duration(g.rng.IntN(48)) * time.Hour)
	e := funds.Event{ID: fmt.Sprintf("e%d", g.n), At: g.at, Kind: funds.EventKind(2 + g.rng.IntN(int(funds.EventTimeCorrected)-1))}
	if ks := forward[c.Status]; len(ks) > 0 && g.pick(0.85) {
		e.Kind = ks[g.rng.IntN(len(ks))]
	}
	if e.Kind == funds.EventReleased && g.pick(0.7) {
		e.Kind = funds.EventLegalHoldPlaced
	}
	if g.dormant && g.pick(0.6) {
		e.Kind = funds.EventUnclaimed
	}
	g.dormant = false
	if c.LegalHold != "" && g.pick(0.4) {
		e.Kind = funds.EventLegalHoldLifted
	}
	if g.pick(0.02) {
		e.At = g.now.AddDate(1, 0, 0) // a year mistyped into the future
	}
	e.By, e.Automated = g.person()
	route, _ := g.cfg.Route(c.Asset)
	switch e.Kind {
	case funds.EventOpened:
		e.Channel = []string{route.Channel, route.Channel, "email"}[g.rng.IntN(3)]
	case funds.EventIdentityChecked:
		e.Method = []string{route.Identity, route.Identity, "selfie"}[g.rng.IntN(3)]
		e.Holder = []string{g.holder, " li wei", "Someone Else"}[g.rng.IntN(3)]
	case funds.EventDeductionProposed:
		e.Amount = int64(g.rng.IntN(40000)) - 1000
		e.Basis = funds.Basis(g.rng.IntN(3))
		e.Reference, e.Payee = fmt.Sprintf("ref-%d", g.rng.IntN(4)), "payer-1"
		if g.pick(0.1) {
			e.Payee = ""
		}
	case funds.EventRejected:
		e.Reason = "documents do not match"
	case funds.EventDeductionWithdrawn:
		if len(c.Pending) > 0 {
			e.Reference = c.Pending[g.rng.IntN(len(c.Pending))].Event
		}
	case funds.EventValuationChanged:
		e.Amount = int64(g.rng.IntN(300000)) - 100000
		if g.pick(0.5) {
			e.Cosigner = people[g.rng.IntN(len(people))]
		}
	case funds.EventRedeemed:
		e.Amount = int64(g.rng.IntN(400000))
		e.Automated, e.By = g.pick(0.6), people[g.rng.IntN(len(people))]
		if g.pick(0.5) {
			e.Cosigner = "risk-officer"
		}
	case funds.EventPayoutRequested:
		e.Destination = funds.Destination{Account: "bank-1", Name: g.holder, Verified: true}
		switch x := g.rng.Float64(); {
		case x < 0.1:
			e.Destination.Name = "A Stranger"
		case x < 0.2:
			e.Destination.Verified = false
		case x < 0.3:
			e.Destination.Name = " LI WEI"
		}
		e.Amount = g.statedAmount(c.Held)
	case funds.EventPayoutConfirmed, funds.EventPayoutFailed:
		if c.Payout != nil && g.pick(0.9) {
			e.Reference = c.Payout.Event
			if e.Kind == funds.EventPayoutConfirmed {
				e.Amount = g.statedAmount(c.Payout.Amount)
			}
		}
	case funds.EventLegalHoldPlaced, funds.EventLegalHoldLifted:
		e.Reference = "court-7"
	case funds.EventUnclaimed:
		e.Payee = []string{g.cfg.Authority, g.cfg.Authority, "my cousin"}[g.rng.IntN(3)]
	case funds.EventReleased:
		e.Reference = "ruling-1"
	case funds.EventTimeCorrected:
		e.Reason = "year mistyped"
		if len(c.Log) > 0 {
			e.Reference = c.Log[len(c.Log)-1].ID
			e.Corrected = c.Log[len(c.Log)-1].At.AddDate(-1, 0, 0)
			if len(c.Log) > 1 && g.pick(0.7) {
				e.Corrected = c.Log[len(c.Log)-2].At
			}
			if last := c.Log[len(c.Log)-1].At; g.pick(0.4) && e.At.After(last) {
				e.Corrected = last.Add(e.At.Sub(last) / 2) // later, within the past: accepted
			}
		}
	}
	e = c.Next(e)
	switch x := g.rng.Float64(); {
	case len(g.sent) > 0 && x < 0.05:
		prev := g.sent[g.rng.IntN(len(g.sent))]
		if g.pick(0.5) {
			prev.At = prev.At.In(time.FixedZone("CST", 8*3600)) // the same instant elsewhere
		}
		return prev // the same event again
	case len(g.sent) > 0 && x < 0.08:
		prev := g.sent[g.rng.IntN(len(g.sent))]
		prev.Amount++ // an id reused for another event
		return prev
	case x < 0.11 && c.Version > 0:
		e.Seq-- // written against a version the claim has left
	}
	return e
}

// counter counts, per invariant, the sequences that checked it on at
// least one event where it could fail.
type counter struct {
	seqs   map[string]int
	events map[string]int
	inSeq  map[string]bool
}

func (k *counter) hit(name string) {
	k.events[name]++
	if !k.inSeq[name] {
		k.inSeq[name] = true
		k.seqs[name]++
	}
}

// TestClaimProperties checks every invariant after every event of every
// generated sequence, the claim being stored as JSON and loaded again
// between each pair of events.
func TestClaimProperties(t *testing.T) {
	// A quarter of the sequences run with a dormancy of zero, which the
	// floor must lift to MinDormancyYears.
	configs := [2]funds.Config{funds.DefaultConfig(), funds.DefaultConfig()}
	configs[1].Dormancy = 0
	k := &counter{seqs: map[string]int{}, events: map[string]int{}}
	final := map[funds.Status]int{}
	refused := map[policy.Code]int{}
	accepted, reloads := 0, 0
	for seq := range sequences {
		k.inSeq = map[string]bool{}
		cfg := configs[min(seq%4, 1)^1]
		g := &generator{rng: rand.New(rand.NewPCG(uint64(seq), 11)), cfg: cfg, at: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), holder: "Li Wei"}
		g.now = g.at
		asset := policy.AssetKind(g.rng.IntN(2))
		frozen := funds.Event{ID: "freeze", Seq: 1, Kind: funds.EventFrozen, At: g.at, Automated: true, Account: "acct-1", Holder: g.holder,
			Verified: !g.pick(0.1), Asset: asset, Currency: "CNY", Amount: int64(g.rng.IntN(100000))}
		claim, err := cfg.Apply(funds.Claim{}, frozen, g.now)
		require.NoError(t, err)
		g.sent = append(g.sent, frozen)
		log := []funds.Event{frozen}
		paid := 0
		latest := g.now          // the latest time the caller said it was
		var unvouched int64      // the gains since a second person last vouched
		var withdrawers []string // who withdrew a deduction another proposed
		for range 6 + g.rng.IntN(28) {
			// Store and reload: everything after reads the claim back from JSON.
			raw, err := json.Marshal(claim)
			require.NoError(t, err)
			var loaded funds.Claim
			require.NoError(t, json.Unmarshal(raw, &loaded))
			if !reflect.DeepEqual(claim, loaded) {
				require.Equal(t, claim, loaded, "seq %d: a claim survives JSON", seq)
			}
			k.hit("survives JSON")
			reloads++
			claim = loaded

			e := g.event(claim)
			if g.now.After(latest) {
				latest = g.now
			}
			before := claim
			after, err := cfg.Apply(claim, e, g.now)
			if err != nil {
				var re *funds.RefusedError
				if !errors.As(err, &re) || !errors.Is(err, funds.ErrRefused) || policy.CodeOf(err) != re.Code {
					t.Fatalf("seq %d: %v is not a refusal with a code", seq, err)
				}
				if !reflect.DeepEqual(before, after) {
					require.Equal(t, before, after, "seq %d: a refused event leaves the state unchanged", seq)
				}
				k.hit("a refusal changes nothing")
				// The checks before the version's: the event itself is malformed.
				early := []policy.Code{funds.CodeInvalidEvent, funds.CodeUnknownTransition, funds.CodeFuture}
				if e.Seq != before.Version+1 && !slices.Contains(early, re.Code) && !slices.ContainsFunc(before.Log, func(en funds.Entry) bool { return en.ID == e.ID }) {
					require.Equal(t, funds.CodeVersion, re.Code, "seq %d: a stale write is a conflict", seq)
					require.ErrorIs(t, err, funds.ErrConflict)
					k.hit("a stale write is a version conflict")
				}
				if e.Kind == funds.EventUnclaimed && re.Code == funds.CodeTime {
					must(t, e.At.Before(before.LastActivity.AddDate(funds.MinDormancyYears, 0, 0)) || e.At.Before(before.LastActivity.Add(cfg.Dormancy)),
						"seq %d: unclaimed refused after the dormancy", seq)
					k.hit("unclaimed before the dormancy (and its floor) is refused")
				}
				refused[re.Code]++
				continue
			}
			accepted++
			g.sent = append(g.sent, e)
			if after.Version == before.Version {
				require.Equal(t, before, after, "seq %d: an event applied twice has effect once", seq)
				k.hit("a retry has effect once")
				continue
			}
			log = append(log, e)
			claim = after
			checkTransition(t, k, cfg, seq, before, after, e, g.now)
			switch e.Kind {
			case funds.EventDeductionWithdrawn:
				i := slices.IndexFunc(before.Pending, func(d funds.Deduction) bool { return d.Event == e.Reference })
				if !funds.SamePerson(before.Pending[i].By, e.By) {
					withdrawers = append(withdrawers, e.By)
				}
			case funds.EventApproved:
				for _, w := range withdrawers {
					must(t, !funds.SamePerson(w, e.By), "seq %d: %s withdrew another's deduction and approved", seq, e.By)
					k.hit("whoever withdrew another's deduction does not approve")
				}
			}
			if e.Kind == funds.EventValuationChanged || e.Kind == funds.EventRedeemed {
				cosigned := !e.Automated && e.Cosigner != "" && !funds.SamePerson(e.Cosigner, e.By)
				gain := after.Held - before.Held
				if unvouched += gain; cosigned {
					unvouched = 0
				}
				must(t, after.Unvouched == unvouched, "seq %d: unvouched %d, not the sum %d of the gains since the last cosigned one", seq, after.Unvouched, unvouched)
				if base, was := after.Held-unvouched, before.Unvouched; gain != 0 && !cosigned {
					must(t, max(unvouched, -unvouched) <= base/10000*1000 || max(unvouched, -unvouched) <= max(was, -was),
						"seq %d: changes of %d in steps on a vouched %d without a second person", seq, unvouched, base)
				}
				k.hit("changes add up: bounded since the last cosigned level")
			}
			if e.Kind == funds.EventPayoutConfirmed {
				paid++
			}
		}
		require.LessOrEqual(t, paid, 1, "seq %d: the funds are paid once", seq)
		k.hit("paid at most once")

		replayed, err := cfg.Replay(log, latest)
		require.NoError(t, err, "seq %d", seq)
		require.Equal(t, claim, replayed, "seq %d: replaying the log gives the same state", seq)
		require.NoError(t, cfg.Verify(claim, log, latest))
		k.hit("the log replays to the claim")
		if len(log) > 2 {
			i := 1 + g.rng.IntN(len(log)-2)
			edited := slices.Clone(log)
			edited[i].Amount += 1 + int64(g.rng.IntN(100))
			_, err := cfg.Replay(edited, latest)
			require.Error(t, err, "seq %d: an edited event %d replays", seq, i)
			k.hit("an edited event does not replay")
		}
		final[claim.Status]++
	}
	for s := funds.StatusHeld; s.IsValid(); s++ {
		require.Positive(t, final[s], "no sequence ended in %s: %v", s, final)
	}
	names := make([]string, 0, len(k.seqs))
	for n := range k.seqs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Logf("%-55s %6d sequences %7d events", n, k.seqs[n], k.events[n])
	}
	t.Logf("%d sequences, %d stored and reloaded, %d events accepted, refused by code %v, final states %v",
		sequences, reloads, accepted, refused, final)
}

// checkTransition checks the invariants of one accepted event.
func checkTransition(t *testing.T, k *counter, cfg funds.Config, seq int, before, c funds.Claim, e funds.Event, now time.Time) {
	must(t, c.Conserved(), "seq %d after %s: held %d + paid %d + deducted %d + remitted %d + released %d != frozen %d + valuation %d",
		seq, e.Kind, c.Held, c.Paid, c.Deducted, c.Remitted, c.Released, c.Frozen, c.Valuation)
	k.hit("money is conserved")
	if err := cfg.Check(c); err != nil {
		t.Fatalf("seq %d after %s: %v", seq, e.Kind, err)
	}
	k.hit("the claim is consistent (Check)")
	must(t, before.Version+1 == c.Version && before.Head != c.Head, "seq %d: version %d -> %d", seq, before.Version, c.Version)
	k.hit("each event moves the version by one and the head")
	must(t, !(e.At.After(now)), "seq %d: an event after now", seq)
	k.hit("no event after now")
	if e.Kind != funds.EventTimeCorrected {
		must(t, !(e.At.Before(before.LastActivity)), "seq %d: time went back", seq)
		k.hit("time never goes back but by a correction")
	} else {
		must(t, e.By != "" && e.Reason != "", "seq %d: a correction without a person or a reason", seq)
		k.hit("a correction is a person's, with a reason, in the log")
		must(t, !c.LastActivity.Before(before.LastActivity) || before.LastActivity.After(now), "seq %d: a correction erased activity that had come", seq)
		must(t, !c.RejectedAt.Before(before.RejectedAt) || before.RejectedAt.After(now), "seq %d: a correction moved a rejection back", seq)
		k.hit("a correction moves back only a time still to come")
	}
	route, _ := cfg.Route(before.Asset)
	row := slices.IndexFunc(transitions, func(tr funds.Transition) bool {
		from := len(tr.From) == 0 && before.Status == 0 || slices.Contains(tr.From, before.Status)
		to := tr.To == c.Status || tr.To == 0 && c.Status == before.Status
		admits := tr.Route == funds.RouteAny || (tr.Route == funds.RouteRedeem) == route.Redeem
		return tr.Event == e.Kind && from && to && admits
	})
	must(t, row >= 0, "seq %d: %s from %s to %s is in no row of the table", seq, e.Kind, before.Status, c.Status)
	tr := transitions[row]
	if tr.Person {
		must(t, !funds.SamePerson(e.By, ""), "seq %d: %s without a person", seq, e.Kind)
		must(t, !e.Automated, "a machine took a person's step")
		k.hit("a person takes every step the table says")
	}
	if before.LegalHold != "" {
		must(t, tr.OnHold, "seq %d: %s while a legal hold stands", seq, e.Kind)
		k.hit("a legal hold pauses everything else")
	}
	for _, d := range c.Deductions {
		must(t, d.By != "", "every deduction names a person")
		must(t, d.Basis.IsValid(), "every deduction has a typed basis")
	}
	refs := map[string]bool{}
	for _, d := range slices.Concat(c.Deductions, c.Pending) {
		must(t, !(refs[d.Reference]), "seq %d: reference %s deducted twice", seq, d.Reference)
		refs[d.Reference] = true
	}
	if len(c.Deductions)+len(c.Pending) > 0 {
		k.hit("every deduction has a basis, a person and its own reference")
	}
	switch e.Kind {
	case funds.EventApproved:
		must(t, c.ApprovedBy != "", "an approval names its person")
		for _, d := range before.Pending {
			must(t, !(funds.SamePerson(d.By, e.By)), "seq %d: %s approved their own deduction", seq, e.By)
		}
		must(t, !(funds.SamePerson(before.IdentityCheckedBy, e.By)), "seq %d: the identity checker approved", seq)
		k.hit("the approver is neither proposer nor identity checker")
		if before.Status == funds.StatusInReview {
			for _, r := range before.Rejecters {
				must(t, !funds.SamePerson(r, e.By), "seq %d: a rejecter decided the appeal", seq)
			}
			k.hit("an appealed rejection is decided by someone else")
		}
	case funds.EventRejected:
		if before.Status == funds.StatusInReview {
			for _, r := range before.Rejecters {
				must(t, !funds.SamePerson(r, e.By), "seq %d: a rejecter decided the appeal", seq)
			}
			k.hit("an appealed rejection is decided by someone else")
		}
	case funds.EventPayoutRequested:
		must(t, before.Payout == nil, "at most one payout in flight")
		must(t, before.IdentityCheckedBy != "" && before.HolderVerified, "nobody but the verified holder is paid")
		must(t, funds.SamePerson(c.Holder, e.Destination.Name), "only into the holder's own name")
		must(t, e.Destination.Verified, "only into a verified account")
		k.hit("payouts go only to the verified holder's own account, one at a time")
		must(t, e.Amount == 0 || e.Amount == before.Held, "seq %d: a payout request of %d when %d is held", seq, e.Amount, before.Held)
		k.hit("a payout request states no amount or all that is held")
	case funds.EventPayoutConfirmed:
		must(t, before.Held == c.Paid, "the payout is what was held")
		must(t, e.Amount == 0 || e.Amount == c.Paid-before.Paid, "seq %d: a confirmation of %d recorded %d paid", seq, e.Amount, c.Paid-before.Paid)
		k.hit("a confirmation states no amount or the amount paid")
		k.hit("payouts go only to the verified holder's own account, one at a time")
	case funds.EventValuationChanged, funds.EventRedeemed:
		gain := e.Amount
		if e.Kind == funds.EventRedeemed {
			gain = e.Amount - before.Held
		}
		must(t, c.Held >= 0, "a negative holding")
		if e.Kind == funds.EventValuationChanged {
			must(t, !(e.Automated), "an automated valuation change outside a redemption")
		}
		if gain > before.Held/10 {
			must(t, e.Cosigner != "", "seq %d: a gain of %d on %d without a second person", seq, gain, before.Held)
			must(t, !funds.SamePerson(e.Cosigner, e.By), "seq %d: cosigned by the author", seq)
		}
		k.hit("valuations are a person's, never negative, bounded without a cosigner")
	case funds.EventUnclaimed:
		must(t, funds.SamePerson(e.Payee, cfg.Authority), "remitted only to the authority")
		must(t, !(e.At.Before(before.LastActivity.AddDate(funds.MinDormancyYears, 0, 0))), "seq %d: remitted before the floor", seq)
		k.hit("remittance only to the authority, after the dormancy floor")
	}
}

// must fails the test when cond is false; cheaper than require in the
// hot loop of the property test.
func must(t *testing.T, cond bool, format string, args ...any) {
	if !cond {
		t.Helper()
		t.Fatalf(format, args...)
	}
}
