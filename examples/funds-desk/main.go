// Command funds-desk narrates one claim kept in a real store: the plan of a
// ban freezes a wallet, the freeze opens a claim in SQLite, and the desk
// carries it to the payout, each event appended with compare-and-append on
// the claim's version inside a transaction. A second operator who decided
// on an old version is refused and retries; at the end the store audits
// every claim by replaying its log against its snapshot.
//
//	cd examples/funds-desk && go run .
//
// It is a nested module so that SQLite (modernc.org/sqlite, pure Go, no
// cgo) never enters the main module.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/groupwarden/warden/appeal/funds"
	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
)

func main() {
	db := flag.String("db", "", "the SQLite file (default: a new one in a temporary directory)")
	flag.Parse()
	path := *db
	if path == "" {
		dir, err := os.MkdirTemp("", "funds-desk")
		if err != nil {
			fmt.Fprintln(os.Stderr, "funds-desk:", err)
			os.Exit(1)
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "desk.db")
	}
	if err := run(context.Background(), os.Stdout, path); err != nil {
		fmt.Fprintln(os.Stderr, "funds-desk:", err)
		os.Exit(1)
	}
}

var t0 = time.Date(2026, 2, 20, 10, 0, 0, 0, time.UTC)

// banPlan is the plan of a ban of Li Wei, whose wallet holds CNY 1,250.00.
func banPlan(ctx context.Context, cfg funds.Config) (*enforcement.Plan, error) {
	li := policy.Account{ID: "u-liwei", Holder: "Li Wei", RealNameVerified: true,
		Holdings: []policy.Holding{{Kind: policy.AssetWallet, Amount: 125000, Currency: "CNY"}}}
	return enforcement.NewPlanner(policy.Default(), enforcement.WithFundsRoutes(cfg.Routes)).Plan(ctx, enforcement.GroupCase{
		Group:   policy.Group{ID: "g-77", Owner: "u-owner", Members: 2},
		Members: []policy.Membership{{Account: policy.Account{ID: "u-owner"}, Role: policy.RoleOwner}, {Account: li, Role: policy.RoleMember}},
		Violations: []policy.Violation{{
			ID: "v-1", Category: "csam", Severity: policy.SeverityCritical, Actor: "u-liwei",
			Evidence: policy.Evidence{Identifications: []policy.Identification{{Method: policy.MethodHashMatch, Confidence: 1}}},
			Reviews:  []policy.Review{{Reviewer: "reviewer-7", Verdict: policy.VerdictConfirmed, At: t0.Add(-time.Hour)}},
		}},
		Now: t0,
	})
}

// openClaims stores the opening event of every claim of the plan's freezes.
func openClaims(ctx context.Context, s *Store, plan *enforcement.Plan) ([]string, error) {
	var ids []string
	for _, f := range plan.Freezes() {
		if _, err := s.Append(ctx, f.Claim, funds.Opening(f), f.At); err != nil {
			return nil, err
		}
		ids = append(ids, f.Claim)
	}
	return ids, nil
}

func run(ctx context.Context, w io.Writer, path string) error {
	cfg := funds.DefaultConfig()
	s, err := OpenStore(path, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	plan, err := banPlan(ctx, cfg)
	if err != nil {
		return err
	}
	ids, err := openClaims(ctx, s, plan)
	if err != nil {
		return err
	}
	id := ids[0]
	fmt.Fprintf(w, "The ban of %s freezes %d holding(s); claim %s is opened in the store.\n", plan.Freezes()[0].Account, len(ids), id)

	now := t0.Add(72 * time.Hour)
	for i := 0; ; i++ {
		if i == 2 {
			// A second operator decided on the claim as it was before the
			// last step, and writes now.
			c, _ := s.Load(ctx, id)
			events, _ := s.Events(ctx, id)
			old, _ := cfg.Replay(events[:len(events)-1], now)
			late := old.Next(funds.Event{ID: "late-close", Kind: funds.EventDeductionsClosed, At: c.LastActivity, By: "agent-9"})
			_, err := s.Append(ctx, id, late, now)
			var re *funds.RefusedError
			if errors.As(err, &re) && errors.Is(err, funds.ErrConflict) {
				fmt.Fprintf(w, "    a second operator writes for version %d while the claim is at %d: REFUSED (%s); it reloads and decides again\n", late.Seq-1, c.Version, re.Code)
			} else {
				return fmt.Errorf("the late write was not a conflict: %v", err)
			}
		}
		e, ok, _, err := work(ctx, s, id, now)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		c, err := s.Load(ctx, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%2d. %-20s -> %-20s held %s  deducted %s  paid %s  (version %d)\n", i+1, e.Kind, c.Status,
			enforcement.Amount(c.Currency, c.Held), enforcement.Amount(c.Currency, c.Deducted), enforcement.Amount(c.Currency, c.Paid), c.Version)
	}
	events, err := s.Events(ctx, id)
	if err != nil {
		return err
	}
	// A retry of the confirmation, as a bank webhook delivered twice.
	if _, err := s.Append(ctx, id, events[len(events)-1], now); err != nil {
		return err
	}
	bad, err := s.Audit(ctx, now)
	if err != nil {
		return err
	}
	c, _ := s.Load(ctx, id)
	fmt.Fprintf(w, "\nThe confirmation delivered twice is stored once: %d events in the log.\n", len(events))
	fmt.Fprintf(w, "Audit: %d claim(s), %d whose snapshot is not the fold of its log; money conserved: %v.\n", len(ids), len(bad), c.Conserved())
	return nil
}
