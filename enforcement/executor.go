package enforcement

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Executor carries out actions on the caller's systems; warden itself does
// no I/O. Implementations make each action idempotent by its key.
type Executor interface {
	// Done reports whether the action with this key was already applied.
	Done(ctx context.Context, key string) (bool, error)
	// Apply carries out the action and records its key with it, so that
	// Done reports it from then on. An error means the action may or may
	// not have taken effect; Done must tell which.
	Apply(ctx context.Context, a Action) error
}

// ErrNeedsApproval is returned by Apply for a plan over the policy's blast
// radius that has no second approval.
var ErrNeedsApproval = errors.New("enforcement: the plan touches more accounts than the blast radius and needs a second approval")

// Progress tells how far Apply got.
type Progress struct {
	// Applied counts the actions applied by this call.
	Applied int `json:"applied"`
	// Skipped counts the actions found already done.
	Skipped int `json:"skipped"`
}

// Apply carries out a plan's actions in order through the executor. It is
// resumable and idempotent: an action found done is skipped, and the first
// failure stops the run, so applying the same plan again after any failure
// does each remaining action exactly once, in order, and never repeats a
// done one.
func Apply(ctx context.Context, p *Plan, ex Executor) (Progress, error) {
	var pr Progress
	if p.NeedsSecondApproval && p.ApprovedBy == "" {
		return pr, ErrNeedsApproval
	}
	for _, a := range p.Actions {
		if err := ctx.Err(); err != nil {
			return pr, err
		}
		done, err := ex.Done(ctx, a.Key)
		if err != nil {
			return pr, fmt.Errorf("action %d (%s %s): %w", a.Seq, a.Kind, a.Subject, err)
		}
		if done {
			pr.Skipped++
			continue
		}
		if err := ex.Apply(ctx, a); err != nil {
			return pr, fmt.Errorf("action %d (%s %s): %w", a.Seq, a.Kind, a.Subject, err)
		}
		pr.Applied++
	}
	return pr, nil
}

// MemoryExecutor is an Executor that records actions in memory, for tests
// and examples. Its hooks inject failures.
type MemoryExecutor struct {
	// FailBefore, when set, is called before an action takes effect; an
	// error it returns fails the action, which then has no effect.
	FailBefore func(Action) error
	// FailAfter, when set, is called after an action took effect; an error
	// it returns is reported as if the acknowledgement were lost.
	FailAfter func(Action) error

	mu   sync.Mutex
	done map[string]bool
	log  []Action
}

// Done implements Executor.
func (m *MemoryExecutor) Done(_ context.Context, key string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.done[key], nil
}

// Apply implements Executor.
func (m *MemoryExecutor) Apply(_ context.Context, a Action) error {
	if m.FailBefore != nil {
		if err := m.FailBefore(a); err != nil {
			return err
		}
	}
	m.mu.Lock()
	if m.done == nil {
		m.done = map[string]bool{}
	}
	m.done[a.Key] = true
	m.log = append(m.log, a)
	m.mu.Unlock()
	if m.FailAfter != nil {
		return m.FailAfter(a)
	}
	return nil
}

// Log returns the actions applied, in the order they took effect.
func (m *MemoryExecutor) Log() []Action {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Action(nil), m.log...)
}
