package policy

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/internal/compiler"
)

// stopAfter is a context whose Done channel closes at the n-th tracked
// evaluation of an engine (see its observe hook): DecideGroup starts, and
// is cancelled part-way through its members.
type stopAfter struct {
	context.Context
	once sync.Once
	done chan struct{}
	n    int
}

func newStopAfter(n int) *stopAfter {
	return &stopAfter{Context: context.Background(), done: make(chan struct{}), n: n}
}

func (s *stopAfter) Done() <-chan struct{} { return s.done }

func (s *stopAfter) Err() error {
	select {
	case <-s.done:
		return context.Canceled
	default:
		return nil
	}
}

func (s *stopAfter) tick() {
	if s.n--; s.n == 0 {
		s.once.Do(func() { close(s.done) })
	}
}

// On one engine, group case after group case, some of them refused at
// MaxChecks part-way through their members and some cancelled part-way,
// every group the engine decides in full gives each member what Decide
// gives: nothing a refused or cancelled call leaves in the pooled state
// (the bystander room's quiet marks, the matches, the ends) makes a later
// member wrongly quiet or wrongly loud. Under the default policy, one of
// residuals, one of some eighty subject parts, generated ones, each also
// with a space so small that rules fall back; every program tracked, so
// that the cancellation can be placed.
func TestInterruptedGroupsLeaveThePoolClean(t *testing.T) {
	policies := append(groupPolicies(t, 4), policyCase{"many-parts", []byte(manyPartsPolicy()), []string{"spam"}})
	trackAll := func(o *options) { o.TrackAll = true }
	full, interrupted := 0, 0
	for _, pc := range policies {
		for _, opts := range [][]Option{{trackAll}, {trackAll, withMaxCells(4)}} {
			e, err := Compile(pc.name+".yaml", pc.src, opts...)
			if err != nil {
				continue
			}
			var stop *stopAfter
			e.observe = func(compiler.Program, uint64) {
				if stop != nil {
					stop.tick()
				}
			}
			rng := rand.New(rand.NewPCG(uint64(len(pc.name)), 41))
			for k := range 60 {
				gc := bystanderGroup(rng, pc.cats)
				if pc.name == "many-parts" {
					for i := range gc.Members {
						a := &gc.Members[i].Account
						a.Created = gc.Now.Add(-time.Duration(24*(i%41)+12) * time.Hour)
					}
				}
				what := fmt.Sprintf("%s %d, group %d", pc.name, len(opts), k)
				switch rng.IntN(3) {
				case 0: // refused part-way
					n := checksOf(t, e, func() error { _, err := e.DecideGroup(context.Background(), gc, nil); return err })
					limit := 1 + rng.IntN(n)
					e.maxChecks = limit
					_, err := e.DecideGroup(context.Background(), gc, nil)
					e.maxChecks = MaxChecks
					if limit < n {
						require.Equal(t, CodeTooMany, CodeOf(err), what)
					}
					interrupted++
				case 1: // cancelled part-way
					stop = newStopAfter(1 + rng.IntN(40))
					_, err := e.DecideGroup(stop, gc, nil)
					stop = nil
					if err != nil {
						require.ErrorIs(t, err, context.Canceled, what)
						interrupted++
					}
				default:
					ds, err := e.DecideGroup(context.Background(), gc, nil)
					require.NoError(t, err, what)
					for i := range gc.Members {
						d, err := e.Decide(context.Background(), gc.MemberCase(i))
						require.NoError(t, err, what)
						require.Equal(t, d, ds[1+i], "%s, member %d", what, i)
					}
					full++
				}
			}
		}
	}
	t.Logf("full %d interrupted %d", full, interrupted)
	require.Greater(t, full, 100)
	require.Greater(t, interrupted, 100)
}
