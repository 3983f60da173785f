package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/appeal/funds"
	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
)

var now = t0.Add(30 * 24 * time.Hour)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "desk.db")
	s, err := OpenStore(path, funds.DefaultConfig())
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s, path
}

// The whole path of the default configuration: the ban's plan freezes the
// wallet, the freeze opens the claim in the store, the desk pays the holder.
func TestBanClaimPayout(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	path := filepath.Join(t.TempDir(), "desk.db")
	require.NoError(t, run(ctx, &out, path))
	s := out.String()
	assert.Contains(t, s, "REFUSED (version-conflict)")
	assert.Contains(t, s, "payout-confirmed     -> paid")
	assert.Contains(t, s, "0 whose snapshot is not the fold of its log; money conserved: true")

	store, err := OpenStore(path, funds.DefaultConfig())
	require.NoError(t, err)
	defer store.Close()
	ids, err := store.Claims(ctx)
	require.NoError(t, err)
	require.Len(t, ids, 1)
	c, err := store.Load(ctx, ids[0])
	require.NoError(t, err)
	assert.Equal(t, funds.StatusPaid, c.Status)
	assert.Equal(t, "Li Wei", c.Holder, "the holder of record comes from the account")
	assert.Equal(t, int64(125000), c.Frozen)
	assert.Equal(t, c.Frozen, c.Paid+c.Deducted)
	events, err := store.Events(ctx, ids[0])
	require.NoError(t, err)
	assert.Len(t, events, c.Version)

	// The opening is idempotent: the plan's claims opened again are the same.
	plan, err := banPlan(ctx, funds.DefaultConfig())
	require.NoError(t, err)
	again, err := openClaims(ctx, store, plan)
	require.NoError(t, err)
	assert.Equal(t, ids, again)
	after, err := store.Load(ctx, ids[0])
	require.NoError(t, err)
	assert.Equal(t, c, after)
}

// Two operators race on one claim: both load it at the same version, both
// append. Exactly one wins, the other gets the conflict, reloads and
// retries; no update is lost.
func TestTwoOperatorsRace(t *testing.T) {
	ctx := context.Background()
	_, path := openTemp(t)
	// Each operator has its own connection pool, as two processes would.
	var ops [2]*Store
	for i := range ops {
		s, err := OpenStore(path, funds.DefaultConfig())
		require.NoError(t, err)
		defer s.Close()
		ops[i] = s
	}
	const rounds = 100
	opening := funds.Event{ID: "c/1", Seq: 1, Kind: funds.EventFrozen, At: t0, Automated: true, Account: "u1", Holder: "Li Wei", Verified: true,
		Asset: policy.AssetWealthManagement, Currency: "CNY", Amount: 10_000_000}
	_, err := ops[0].Append(ctx, "c", opening, now)
	require.NoError(t, err)
	wins, conflicts, retried := [2]int{}, 0, 0
	for r := range rounds {
		var loaded [2]funds.Claim
		for i := range ops {
			loaded[i], err = ops[i].Load(ctx, "c")
			require.NoError(t, err)
		}
		require.Equal(t, loaded[0], loaded[1])
		at := t0.Add(time.Duration(r+1) * time.Minute)
		var wg sync.WaitGroup
		var errs [2]error
		var mine [2]funds.Event
		start := make(chan struct{})
		for i := range ops {
			mine[i] = funds.Event{ID: fmt.Sprintf("r%d-op%d", r, i), Kind: funds.EventValuationChanged, At: at, By: fmt.Sprintf("desk-%d", i), Amount: int64(1 + i)}
			wg.Go(func() {
				<-start
				_, errs[i] = ops[i].Append(ctx, "c", loaded[i].Next(mine[i]), now)
			})
		}
		close(start)
		wg.Wait()
		require.True(t, (errs[0] == nil) != (errs[1] == nil), "round %d: exactly one wins: %v, %v", r, errs[0], errs[1])
		for i, err := range errs {
			if err == nil {
				wins[i]++
				continue
			}
			require.ErrorIs(t, err, funds.ErrConflict, "round %d", r)
			require.Equal(t, funds.CodeVersion, policy.CodeOf(err))
			conflicts++
			// The loser reloads and decides again.
			fresh, err := ops[i].Load(ctx, "c")
			require.NoError(t, err)
			_, err = ops[i].Append(ctx, "c", fresh.Next(mine[i]), now)
			require.NoError(t, err)
			retried++
		}
	}
	c, err := ops[0].Load(ctx, "c")
	require.NoError(t, err)
	assert.Equal(t, 1+2*rounds, c.Version, "every operator's update is kept")
	assert.Equal(t, int64(10_000_000+3*rounds), c.Held)
	bad, err := ops[1].Audit(ctx, now)
	require.NoError(t, err)
	assert.Empty(t, bad)
	assert.Positive(t, wins[0])
	assert.Positive(t, wins[1])
	t.Logf("%d races: operator 0 won %d, operator 1 won %d; %d conflicts, %d retries succeeded", rounds, wins[0], wins[1], conflicts, retried)
}

// A store that was tampered with is caught by its audit.
func TestAuditCatchesTampering(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "desk.db")
	require.NoError(t, run(ctx, &bytes.Buffer{}, path))
	s, err := OpenStore(path, funds.DefaultConfig())
	require.NoError(t, err)
	defer s.Close()
	ids, _ := s.Claims(ctx)
	_, err = s.db.Exec(`UPDATE events SET body = replace(body, '"amount":125000', '"amount":1250000') WHERE seq = 1`)
	require.NoError(t, err)
	bad, err := s.Audit(ctx, now)
	require.NoError(t, err)
	require.Contains(t, bad, ids[0])
	assert.Equal(t, funds.CodeChain, policy.CodeOf(bad[ids[0]]))
}

// crashClaims is how many claims the crash worker carries to payout.
const crashClaims = 12

// crashPlan is a ban of crashClaims accounts with a wallet or a
// wealth-management holding each.
func crashPlan(t testing.TB) *enforcement.Plan {
	var members []policy.Membership
	members = append(members, policy.Membership{Account: policy.Account{ID: "owner"}, Role: policy.RoleOwner})
	var violations []policy.Violation
	for i := range crashClaims {
		id := fmt.Sprintf("u%02d", i)
		members = append(members, policy.Membership{Role: policy.RoleMember, Account: policy.Account{ID: id, Holder: "Holder " + id, RealNameVerified: true,
			Holdings: []policy.Holding{{Kind: policy.AssetKind(i % 2), Amount: int64(10000 + 137*i), Currency: "CNY"}}}})
		violations = append(violations, policy.Violation{ID: "v-" + id, Category: "csam", Severity: policy.SeverityCritical, Actor: id,
			Evidence: policy.Evidence{Identifications: []policy.Identification{{Method: policy.MethodHashMatch, Confidence: 1}}},
			Reviews:  []policy.Review{{Reviewer: "reviewer-7", Verdict: policy.VerdictConfirmed, At: t0.Add(-time.Hour)}}})
	}
	plan, err := enforcement.NewPlanner(policy.Default()).Plan(context.Background(), enforcement.GroupCase{
		Group: policy.Group{ID: "g", Owner: "owner", Members: len(members)}, Members: members, Violations: violations, Now: t0})
	require.NoError(t, err)
	require.Len(t, plan.Freezes(), crashClaims)
	return plan
}

// TestCrashWorker is the child process of TestCrashLoop; it runs only when
// that test starts it. It opens the plan's claims and works them to payout,
// printing each event it appended once its transaction committed.
func TestCrashWorker(t *testing.T) {
	path := os.Getenv("DESK_WORKER_DB")
	if path == "" {
		t.Skip("the child of TestCrashLoop")
	}
	ctx := context.Background()
	s, err := OpenStore(path, funds.DefaultConfig())
	require.NoError(t, err)
	plan := crashPlan(t)
	out := bufio.NewWriter(os.Stdout)
	ack := func(id string, e funds.Event) {
		fmt.Fprintf(out, "ack %s %d %s\n", id, e.Seq, e.ID)
		out.Flush()
	}
	for _, f := range plan.Freezes() {
		e := funds.Opening(f)
		_, err := s.Append(ctx, f.Claim, e, now)
		require.NoError(t, err)
		ack(f.Claim, e)
		// Resend the last event stored: after a crash the worker does not
		// know whether it committed, so it sends it again.
		if events, _ := s.Events(ctx, f.Claim); len(events) > 0 {
			_, err := s.Append(ctx, f.Claim, events[len(events)-1], now)
			require.NoError(t, err)
		}
	}
	for {
		busy := false
		for _, f := range plan.Freezes() {
			e, ok, _, err := work(ctx, s, f.Claim, now)
			require.NoError(t, err)
			if ok {
				ack(f.Claim, e)
				busy = true
			}
		}
		if !busy {
			fmt.Fprintln(out, "done")
			out.Flush()
			return
		}
	}
}

// TestCrashLoop kills the worker at random points, over and over, and
// restarts it, until it has carried every claim to payout; one run in four
// dies on purpose at a point of an append (between the event's insert and
// the snapshot's update, between the update and the commit, or just after
// the commit). Then money is conserved in every claim, nothing was paid
// twice, and no event the worker saw committed is missing from the log.
// It does so on fresh stores until the worker was killed minKills times.
func TestCrashLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	const minKills = 40
	rng := rand.New(rand.NewPCG(2017, 11))
	var total crashStats
	for epoch := 0; total.kills < minKills; epoch++ {
		st := crashEpoch(t, filepath.Join(t.TempDir(), fmt.Sprintf("desk-%d.db", epoch)), rng)
		total.runs += st.runs
		total.kills += st.kills
		total.planted += st.planted
		total.acked += st.acked
		total.events += st.events
		total.claims += st.claims
		total.epochs++
	}
	t.Logf("%d stores, %d runs, %d killed (%d at a planted point of an append); %d events acknowledged, %d in the logs of %d claims, all paid once, all audited clean",
		total.epochs, total.runs, total.kills, total.planted, total.acked, total.events, total.claims)
}

type crashStats struct{ epochs, runs, kills, planted, acked, events, claims int }

// crashEpoch runs the worker on the store at path until it is done, killing
// it on the way, and checks the store.
func crashEpoch(t *testing.T, path string, rng *rand.Rand) crashStats {
	var st crashStats
	acked := map[string]string{} // claim#seq -> event id
	points := []string{"after-insert", "before-commit", "after-commit"}
	done := false
	for ; !done && st.runs < 200; st.runs++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWorker$", "-test.count=1")
		cmd.Env = append(os.Environ(), "DESK_WORKER_DB="+path)
		planted := st.runs%4 == 3
		if planted {
			cmd.Env = append(cmd.Env, "DESK_CRASH_AT="+points[rng.IntN(len(points))])
		}
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		var timer *time.Timer
		if !planted {
			timer = time.AfterFunc(time.Duration(30+rng.IntN(150))*time.Millisecond, func() { cmd.Process.Kill() })
		}
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch {
			case len(f) == 4 && f[0] == "ack":
				key := f[1] + "#" + f[2]
				if prev, ok := acked[key]; ok {
					require.Equal(t, prev, f[3], "seq %s of %s acknowledged for two events", f[2], f[1])
				}
				acked[key] = f[3]
			case len(f) == 1 && f[0] == "done":
				done = true
			}
		}
		err = cmd.Wait()
		if timer != nil {
			timer.Stop()
		}
		if err != nil && !done {
			st.kills++
			if planted {
				st.planted++
			}
		}
	}
	require.True(t, done, "the worker finished within %d runs", st.runs)

	ctx := context.Background()
	s, err := OpenStore(path, funds.DefaultConfig())
	require.NoError(t, err)
	defer s.Close()
	bad, err := s.Audit(ctx, now)
	require.NoError(t, err)
	require.Empty(t, bad, "every snapshot is the fold of its log")
	ids, err := s.Claims(ctx)
	require.NoError(t, err)
	require.Len(t, ids, crashClaims)
	logs := map[string][]funds.Event{}
	for _, id := range ids {
		c, err := s.Load(ctx, id)
		require.NoError(t, err)
		require.True(t, c.Conserved(), "claim %s conserves money", id)
		require.Equal(t, funds.StatusPaid, c.Status, "claim %s", id)
		require.Len(t, c.Payouts, 1, "claim %s is paid once", id)
		require.Equal(t, c.Frozen+c.Valuation-c.Deducted, c.Paid)
		log, err := s.Events(ctx, id)
		require.NoError(t, err)
		confirmations := 0
		for _, e := range log {
			if e.Kind == funds.EventPayoutConfirmed {
				confirmations++
			}
		}
		require.Equal(t, 1, confirmations, "claim %s: nothing is paid twice", id)
		logs[id] = log
		st.events += len(log)
	}
	for key, id := range acked {
		claim, seq, _ := strings.Cut(key, "#")
		n, _ := strconv.Atoi(seq)
		log := logs[claim]
		require.GreaterOrEqual(t, len(log), n, "acknowledged event %s is in the log", id)
		require.Equal(t, id, log[n-1].ID, "acknowledged event %s is in the log at its place", id)
	}
	st.acked, st.claims = len(acked), len(ids)
	return st
}
