package enforcement

import (
	"context"
	"errors"
	"fmt"
)

// Executor carries out actions on the caller's systems; warden itself does
// no I/O. Apply does each action of a plan exactly once, however often the
// plan is retried and even when two runs of it race (two workers, a retry
// while the first run still goes), provided the executor keeps this
// contract:
//
//   - Apply is atomic by key: it records the action's key in the same
//     transaction as the action's effect (a done-by-key record, such as a
//     row under a unique key written with the effect), so that the effect
//     and the record exist together or not at all.
//   - Of two calls with the same key, at most one takes effect: a call that
//     finds the key recorded, or being applied by another call whose
//     outcome it then awaits, does nothing and returns an error wrapping
//     [ErrDone].
//   - Done reports whether a key is recorded; it may lag behind a racing
//     Apply, since Apply itself is the guard.
//
// The enforcementtest package has an in-memory Executor that keeps it,
// with hooks that inject failures.
type Executor interface {
	// Done reports whether the action with this key was already applied.
	Done(ctx context.Context, key string) (bool, error)
	// Apply carries out the action and records its key with it, atomically,
	// so that Done reports it from then on. It returns an error wrapping
	// ErrDone, and does nothing, when the key is recorded already. Any other
	// error means the action may or may not have taken effect; Done, or the
	// next Apply, must tell which.
	Apply(ctx context.Context, a Action) error
}

// ErrDone is wrapped by an Executor's Apply for an action whose key is
// recorded already; Apply counts the action as skipped.
var ErrDone = errors.New("enforcement: the action is applied already")

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
// done one. Runs of one plan may race: with an executor that keeps the
// Executor contract, each action still takes effect once.
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
		switch err := ex.Apply(ctx, a); {
		case errors.Is(err, ErrDone): // another run applied it meanwhile
			pr.Skipped++
		case err != nil:
			return pr, fmt.Errorf("action %d (%s %s): %w", a.Seq, a.Kind, a.Subject, err)
		default:
			pr.Applied++
		}
	}
	return pr, nil
}
