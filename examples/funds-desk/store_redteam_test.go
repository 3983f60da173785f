package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/appeal/funds"
	"github.com/groupwarden/warden/policy"
)

// An event body edited so that Go still reads it as before (a duplicated
// key whose last value is the true one, an unknown field) replays cleanly,
// but another reader of the table may take the first value: the audit
// refuses any body that is not the event as the store wrote it.
func TestAuditCatchesBodiesReadTwoWays(t *testing.T) {
	ctx := context.Background()
	for name, edit := range map[string]string{
		"duplicated key": `UPDATE events SET body = replace(body, '"amount":125000', '"amount":1250000,"amount":125000') WHERE seq = 1`,
		"unknown field":  `UPDATE events SET body = replace(body, '"amount":125000', '"amount":125000,"bonus":1') WHERE seq = 1`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "desk.db")
			require.NoError(t, run(ctx, &bytes.Buffer{}, path))
			s, err := OpenStore(path, funds.DefaultConfig())
			require.NoError(t, err)
			defer s.Close()
			bad, err := s.Audit(ctx, now)
			require.NoError(t, err)
			require.Empty(t, bad)
			res, err := s.db.Exec(edit)
			require.NoError(t, err)
			n, _ := res.RowsAffected()
			require.Positive(t, n)
			bad, err = s.Audit(ctx, now)
			require.NoError(t, err)
			assert.NotEmpty(t, bad, "the edited body is found")
		})
	}
}

// A freeze opens one claim: its opening event (funds.Opening) is stored
// for one claim id only. Stored again under another id, the one holding
// would be two claims, each holding all of it, and the holder could be
// paid twice.
func TestOneHoldingOneClaim(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	plan, err := banPlan(ctx, s.cfg)
	require.NoError(t, err)
	ids, err := openClaims(ctx, s, plan)
	require.NoError(t, err)
	f := plan.Freezes()[0]
	_, err = s.Append(ctx, f.Claim+"-again", funds.Opening(f), f.At)
	require.ErrorIs(t, err, errOpening, "the freeze opened under another id")
	assert.Contains(t, err.Error(), f.Claim)
	stored, err := s.Claims(ctx)
	require.NoError(t, err)
	assert.Equal(t, ids, stored, "one claim per holding")

	// Under its own id the opening is a retry, and the claim goes on.
	c, err := s.Append(ctx, f.Claim, funds.Opening(f), f.At)
	require.NoError(t, err)
	assert.Equal(t, 1, c.Version)
	e, ok, _, err := work(ctx, s, f.Claim, now)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, funds.EventOpened, e.Kind)
}

// An audit runs beside the desk: an event appended between reading a
// claim's snapshot and reading its log is no tampering, so the audit
// reads both as of one moment and reports nothing while operators work.
func TestAuditBesideWriters(t *testing.T) {
	ctx := context.Background()
	_, path := openTemp(t)
	writer, err := OpenStore(path, funds.DefaultConfig())
	require.NoError(t, err)
	defer writer.Close()
	auditor, err := OpenStore(path, funds.DefaultConfig())
	require.NoError(t, err)
	defer auditor.Close()
	opening := funds.Event{ID: "c", Seq: 1, Kind: funds.EventFrozen, At: t0, Automated: true, Account: "u1", Holder: "Li Wei", Verified: true,
		Asset: policy.AssetWealthManagement, Currency: "CNY", Amount: 10_000_000}
	_, err = writer.Append(ctx, "c", opening, now)
	require.NoError(t, err)

	done := make(chan struct{})
	var wg sync.WaitGroup
	var appended int
	var werr error
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			c, err := writer.Load(ctx, "c")
			if err != nil {
				werr = err
				return
			}
			e := funds.Event{ID: fmt.Sprintf("v%d", i), Kind: funds.EventValuationChanged, At: t0.Add(time.Duration(i+1) * time.Second), By: "desk-1", Amount: 1}
			if _, err := writer.Append(ctx, "c", c.Next(e), now); err != nil {
				werr = err
				return
			}
			appended++
		}
	})
	for range 200 {
		bad, err := auditor.Audit(ctx, now)
		require.NoError(t, err)
		if !assert.Empty(t, bad, "after %d appends", appended) {
			break
		}
	}
	close(done)
	wg.Wait()
	require.NoError(t, werr)
	require.Positive(t, appended, "the writer wrote while the audit ran")
}
