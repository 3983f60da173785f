// Command funds-recovery narrates the recovery of a banned account's wallet
// balance, from the ban to the payout: the notice that tells the holder the
// funds are safe, the claim the plan's freeze opens, the claim on the
// hotline, the identity check, a chargeback, an approval refused because
// the agent who proposed the chargeback may not approve it, the approval by
// a supervisor, a payout refused because it would go to someone else's
// account, a write refused because another operator got there first, and
// the payout to the holder's own account.
//
//	go run ./examples/funds-recovery
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/groupwarden/warden/appeal/funds"
	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "funds-recovery:", err)
		os.Exit(1)
	}
}

var t0 = time.Date(2026, 2, 20, 10, 0, 0, 0, time.UTC)

func at(hours int) time.Time { return t0.Add(time.Duration(hours) * time.Hour) }

func run(w io.Writer) error {
	cfg := funds.DefaultConfig()
	planner := enforcement.NewPlanner(policy.Default(), enforcement.WithFundsRoutes(cfg.Routes))

	// 1. The ban: Li Wei posted verified CSAM in a group; her wallet holds CNY 1,250.00.
	li := policy.Account{ID: "u-liwei", Holder: "Li Wei", RealNameVerified: true,
		Holdings: []policy.Holding{{Kind: policy.AssetWallet, Amount: 125000, Currency: "CNY"}}}
	plan, err := planner.Plan(context.Background(), enforcement.GroupCase{
		Group:   policy.Group{ID: "g-77", Owner: "u-owner", Members: 2},
		Members: []policy.Membership{{Account: policy.Account{ID: "u-owner"}, Role: policy.RoleOwner}, {Account: li, Role: policy.RoleMember}},
		Violations: []policy.Violation{{
			ID: "v-1", Category: "csam", Severity: policy.SeverityCritical, Actor: "u-liwei",
			Evidence: policy.Evidence{Identifications: []policy.Identification{{Method: policy.MethodHashMatch, Confidence: 1}}},
			Reviews:  []policy.Review{{Reviewer: "reviewer-7", Verdict: policy.VerdictConfirmed, At: at(-1)}},
		}},
		Now: t0,
	})
	if err != nil {
		return err
	}
	for _, n := range plan.Notices {
		if n.To == li.ID {
			fmt.Fprintf(w, "The notice Li Wei receives:\n  %s\n\n", n.Text())
		}
	}

	// 2. The plan's freeze opens one claim per holding.
	claims, _, err := cfg.Open(plan)
	if err != nil {
		return err
	}
	freeze := plan.Freezes()[0]
	claim := claims[freeze.Claim]
	fmt.Fprintf(w, "The freeze opens claim %s: %s held for %s, the holder of record.\n\n", freeze.Claim, money(claim.Held), claim.Holder)

	// 3. Each event is checked against the claim's state; the caller
	// stores the events, the claim is their fold.
	now := at(48) // the time it is for the desk; the library reads no clock
	own := funds.Destination{Account: "bank-6222-0001", Name: "Li Wei", Verified: true}
	steps := []struct {
		say   string
		e     funds.Event
		stale bool // written against the claim as it was one event ago
	}{
		{"Li Wei calls the customer-service hotline.",
			funds.Event{ID: "e2", Kind: funds.EventOpened, At: at(26), Channel: "customer-service hotline"}, false},
		{"An agent checks her identity by phone against the real-name record.",
			funds.Event{ID: "e3", Kind: funds.EventIdentityChecked, At: at(26), By: "agent-4", Method: "phone", Holder: "Li Wei"}, false},
		{"A payment she received is charged back to the buyer who paid it.",
			funds.Event{ID: "e4", Kind: funds.EventDeductionProposed, At: at(27), By: "agent-4", Amount: 8800, Basis: funds.BasisChargeback, Reference: "chargeback cb-2231", Payee: "the original payer of order 2231"}, false},
		{"The same chargeback is proposed again under another event.",
			funds.Event{ID: "e4b", Kind: funds.EventDeductionProposed, At: at(27), By: "agent-5", Amount: 8800, Basis: funds.BasisChargeback, Reference: "Chargeback CB-2231", Payee: "the original payer of order 2231"}, false},
		{"The agent closes the review of deductions.",
			funds.Event{ID: "e5", Kind: funds.EventDeductionsClosed, At: at(27), By: "agent-4"}, false},
		{"The same agent tries to approve the claim.",
			funds.Event{ID: "e6a", Kind: funds.EventApproved, At: at(30), By: "Agent-4 "}, false},
		{"A supervisor approves the claim.",
			funds.Event{ID: "e6", Kind: funds.EventApproved, At: at(30), By: "supervisor-2"}, false},
		{"Someone asks to pay the balance into a friend's account.",
			funds.Event{ID: "e7", Kind: funds.EventPayoutRequested, At: at(31), Destination: funds.Destination{Account: "bank-9999", Name: "Zhang San", Verified: true}}, false},
		{"The payout goes to Li Wei's own verified bank account.",
			funds.Event{ID: "e8", Kind: funds.EventPayoutRequested, At: at(31), Destination: own}, false},
		{"A second operator, working from the claim before that payout, requests another.",
			funds.Event{ID: "e8b", Kind: funds.EventPayoutRequested, At: at(31), Destination: own}, true},
		{"The bank confirms the transfer.",
			funds.Event{ID: "e9", Kind: funds.EventPayoutConfirmed, At: at(40), Reference: "e8"}, false},
		{"The confirmation arrives a second time.",
			funds.Event{ID: "e9", Kind: funds.EventPayoutConfirmed, At: at(40), Reference: "e8"}, false},
	}
	previous := claim
	for i, s := range steps {
		e := claim.Next(s.e)
		if s.stale {
			e = previous.Next(s.e)
		}
		next, err := cfg.Apply(claim, e, now)
		var refused *funds.RefusedError
		switch {
		case errors.As(err, &refused):
			fmt.Fprintf(w, "%2d. %s\n    REFUSED (%s at %s): %s\n", i+1, s.say, refused.Code, refused.Path, refused.Reason)
			continue
		case err != nil:
			return err
		}
		if next.Version != claim.Version {
			previous = claim
		}
		claim = next
		fmt.Fprintf(w, "%2d. %s\n    %-20s held %s  deducted %s  paid %s  (version %d)\n", i+1, s.say, claim.Status, money(claim.Held), money(claim.Deducted), money(claim.Paid), claim.Version)
	}
	fmt.Fprintf(w, "\nMoney conserved: %v (held + paid + deducted + remitted + released = %s = frozen %s)\n",
		claim.Conserved(), money(claim.Held+claim.Paid+claim.Deducted+claim.Remitted+claim.Released), money(claim.Frozen+claim.Valuation))
	return nil
}

func money(minor int64) string { return enforcement.Amount("CNY", minor) }
