// Command funds-recovery narrates the recovery of a banned account's wallet
// balance, from the ban to the payout: the notice that tells the holder the
// funds are safe, the claim on the hotline, the identity check, a
// chargeback, the approval, a payout refused because it would go to
// someone else's account, and the payout to the holder's own account.
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

	"github.com/groupwarden/warden/appeal"
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
	cfg := appeal.DefaultConfig()
	planner := enforcement.NewPlanner(policy.Default(), enforcement.WithFundsRoutes(cfg.Routes()))

	// 1. The ban: Li Wei posted verified CSAM in a group; her wallet holds CNY 1,250.00.
	li := policy.Account{ID: "u-liwei", RealNameVerified: true,
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

	// 2. The claim: each event is checked against the claim's state; the
	// caller stores the events, the claim is their fold.
	own := appeal.Destination{Account: "bank-6222-0001", Name: "Li Wei", Verified: true}
	steps := []struct {
		say string
		e   appeal.Event
	}{
		{"The ban freezes the wallet balance.",
			appeal.Event{ID: "e1", Kind: appeal.Frozen, At: t0, Account: li.ID, Holder: "Li Wei", Verified: true, Asset: policy.AssetWallet, Currency: "CNY", Amount: 125000}},
		{"Li Wei calls the customer-service hotline.",
			appeal.Event{ID: "e2", Kind: appeal.ClaimOpened, At: at(26), Channel: "customer-service hotline"}},
		{"An agent checks her identity by phone against the real-name record.",
			appeal.Event{ID: "e3", Kind: appeal.IdentityChecked, At: at(26), By: "agent-4", Method: "phone", Holder: "Li Wei"}},
		{"A payment she received is charged back to the buyer who paid it.",
			appeal.Event{ID: "e4", Kind: appeal.DeductionProposed, At: at(27), By: "agent-4", Amount: 8800, Basis: appeal.Chargeback, Reference: "chargeback cb-2231", Payee: "the original payer of order 2231"}},
		{"The agent closes the review of deductions.",
			appeal.Event{ID: "e5", Kind: appeal.DeductionsClosed, At: at(27), By: "agent-4"}},
		{"A supervisor approves the claim.",
			appeal.Event{ID: "e6", Kind: appeal.ClaimApproved, At: at(30), By: "supervisor-2"}},
		{"Someone asks to pay the balance into a friend's account.",
			appeal.Event{ID: "e7", Kind: appeal.PayoutRequested, At: at(31), Destination: appeal.Destination{Account: "bank-9999", Name: "Zhang San", Verified: true}}},
		{"The payout goes to Li Wei's own verified bank account.",
			appeal.Event{ID: "e8", Kind: appeal.PayoutRequested, At: at(31), Destination: own}},
		{"The bank confirms the transfer.",
			appeal.Event{ID: "e9", Kind: appeal.PayoutConfirmed, At: at(40), Reference: "e8"}},
		{"The confirmation arrives a second time.",
			appeal.Event{ID: "e9", Kind: appeal.PayoutConfirmed, At: at(40), Reference: "e8"}},
	}
	var claim appeal.Claim
	for i, s := range steps {
		next, err := cfg.Apply(claim, s.e)
		var refused *appeal.RefusedError
		switch {
		case errors.As(err, &refused):
			fmt.Fprintf(w, "%2d. %s\n    REFUSED (%s): %s\n", i+1, s.say, refused.Code, refused.Reason)
			continue
		case err != nil:
			return err
		}
		claim = next
		fmt.Fprintf(w, "%2d. %s\n    %-20s held %s  deducted %s  paid %s\n", i+1, s.say, claim.Status, money(claim.Held), money(claim.Deducted), money(claim.Paid))
	}
	fmt.Fprintf(w, "\nMoney conserved: %v (held + paid + deducted + remitted = %s = frozen %s)\n",
		claim.Conserved(), money(claim.Held+claim.Paid+claim.Deducted+claim.Remitted), money(claim.Frozen+claim.Valuation))
	return nil
}

func money(minor int64) string { return fmt.Sprintf("CNY %d.%02d", minor/100, minor%100) }
