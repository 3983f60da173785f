package enforcementtest_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/enforcement/enforcementtest"
)

// Of many calls racing on one key, exactly one takes effect and the others
// report ErrDone; a call that fails before the effect leaves the key to the
// next one.
func TestOneKeyOneEffect(t *testing.T) {
	for trial := range 200 {
		var failed atomic.Bool
		ex := &enforcementtest.Executor{FailBefore: func(enforcement.Action) error {
			if trial%2 == 0 && failed.CompareAndSwap(false, true) {
				return errors.New("first attempt fails")
			}
			return nil
		}}
		a := enforcement.Action{Key: "k", Kind: enforcement.Notify, Subject: "u"}
		var applied, done atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				switch err := ex.Apply(context.Background(), a); {
				case err == nil:
					applied.Add(1)
				case errors.Is(err, enforcement.ErrDone):
					done.Add(1)
				}
			})
		}
		wg.Wait()
		require.Equal(t, int32(1), applied.Load(), "trial %d", trial)
		require.Len(t, ex.Log(), 1)
		ok, err := ex.Done(context.Background(), "k")
		require.NoError(t, err)
		assert.True(t, ok)
		if trial%2 == 1 {
			assert.Equal(t, int32(7), done.Load())
		}
	}
}

// A call waiting for another's claim gives up when its context ends.
func TestWaitEndsWithTheContext(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	ex := &enforcementtest.Executor{FailBefore: func(enforcement.Action) error {
		close(started)
		<-release
		return nil
	}}
	a := enforcement.Action{Key: "k"}
	go func() { _ = ex.Apply(context.Background(), a) }()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, ex.Apply(ctx, a), context.Canceled)
	close(release)
}
