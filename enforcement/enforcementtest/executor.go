// Package enforcementtest provides an in-memory enforcement.Executor for
// tests and examples, with hooks that inject failures.
package enforcementtest

import (
	"context"
	"fmt"
	"sync"

	"github.com/groupwarden/warden/enforcement"
)

// Executor is an enforcement.Executor that records actions in memory. It
// keeps the Executor contract: each key takes effect at most once, even
// when several Apply calls with the key race, because a call claims the key
// before the effect and a racing call waits for the claim's outcome. Its
// zero value is ready to use; it is safe for concurrent use.
type Executor struct {
	// FailBefore, when set, is called before an action takes effect; an
	// error it returns fails the action, which then has no effect and
	// releases its key.
	FailBefore func(enforcement.Action) error
	// FailAfter, when set, is called after an action took effect; an error
	// it returns is reported as if the acknowledgement were lost.
	FailAfter func(enforcement.Action) error

	mu      sync.Mutex
	done    map[string]bool
	claimed map[string]chan struct{}
	log     []enforcement.Action
}

// Done implements enforcement.Executor.
func (m *Executor) Done(_ context.Context, key string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.done[key], nil
}

// Apply implements enforcement.Executor: it claims the key, runs the
// FailBefore hook, records the action with its key, and runs FailAfter.
func (m *Executor) Apply(ctx context.Context, a enforcement.Action) error {
	release, err := m.claim(ctx, a.Key)
	if err != nil {
		return err
	}
	if m.FailBefore != nil {
		if err := m.FailBefore(a); err != nil {
			release(false, a)
			return err
		}
	}
	release(true, a)
	if m.FailAfter != nil {
		return m.FailAfter(a)
	}
	return nil
}

// claim makes the caller the only one applying key until release; it waits
// while another call holds the key, and returns ErrDone once the key is
// recorded.
func (m *Executor) claim(ctx context.Context, key string) (release func(applied bool, a enforcement.Action), err error) {
	for {
		m.mu.Lock()
		if m.done[key] {
			m.mu.Unlock()
			return nil, fmt.Errorf("key %s: %w", key, enforcement.ErrDone)
		}
		wait, busy := m.claimed[key]
		if !busy {
			if m.claimed == nil {
				m.claimed, m.done = map[string]chan struct{}{}, map[string]bool{}
			}
			ch := make(chan struct{})
			m.claimed[key] = ch
			m.mu.Unlock()
			return func(applied bool, a enforcement.Action) {
				m.mu.Lock()
				if applied {
					m.done[key] = true
					m.log = append(m.log, a)
				}
				delete(m.claimed, key)
				m.mu.Unlock()
				close(ch)
			}, nil
		}
		m.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
}

// Log returns the actions applied, in the order they took effect.
func (m *Executor) Log() []enforcement.Action {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]enforcement.Action(nil), m.log...)
}
