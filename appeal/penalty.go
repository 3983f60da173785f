package appeal

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/internal/enumtext"
	"github.com/groupwarden/warden/policy"
)

// Contest is a penalised user's appeal against the decision of a plan.
type Contest struct {
	Plan     string          `json:"plan"`
	Account  string          `json:"account"`
	Decision policy.Decision `json:"decision"`
	FiledAt  time.Time       `json:"filed_at"`
	Grounds  string          `json:"grounds"`
	// Reviewers are the people who confirmed the violation behind the
	// decision; none of them may decide the appeal.
	Reviewers []string `json:"reviewers,omitempty"`
	// Undo are the plan's undo actions for the account's measures, and
	// Release the one that releases its frozen funds, if any: a contest
	// carries what resolving it needs, so it can be stored between filing
	// and decision.
	Undo    []enforcement.Action `json:"undo,omitempty"`
	Release *enforcement.Action  `json:"release,omitempty"`
}

// ErrAppeal is wrapped by every error of filing or resolving an appeal.
var ErrAppeal = errors.New("appeal")

// File opens an appeal of account against its decision in the plan. It is
// open for the decision's appeal window (the policy's), or the config's when
// the decision has none, from the time of the decision.
func (cfg Config) File(plan *enforcement.Plan, account string, at time.Time, grounds string) (*Contest, error) {
	i := slices.IndexFunc(plan.Decisions, func(d policy.Decision) bool { return d.Subject == account })
	if i < 0 {
		return nil, fmt.Errorf("%w: plan %s gives account %s no penalty to contest", ErrAppeal, plan.ID, account)
	}
	d := plan.Decisions[i]
	window := time.Duration(d.Appeal.Window)
	if window <= 0 {
		window = cfg.AppealWindow
	}
	closes := appealCloses(d.At, window)
	switch {
	case at.Before(d.At):
		return nil, fmt.Errorf("%w: filed at %s, before the decision of %s", ErrAppeal, at.Format(time.DateOnly), d.At.Format(time.DateOnly))
	case at.After(closes):
		return nil, fmt.Errorf("%w: the appeal window closed on %s", ErrAppeal, closes.Format(time.DateOnly))
	case grounds == "":
		return nil, fmt.Errorf("%w: an appeal says why the decision is wrong", ErrAppeal)
	}
	c := &Contest{Plan: plan.ID, Account: account, Decision: d, FiledAt: at, Grounds: grounds}
	for _, a := range plan.Actions {
		switch {
		case a.Subject != account || a.Undo == nil:
		case a.Kind == enforcement.FreezeFunds:
			release := *a.Undo
			c.Release = &release
		default:
			c.Undo = append(c.Undo, *a.Undo)
		}
	}
	for _, v := range plan.Violations {
		if v.ID == d.Violation {
			for _, r := range v.Reviews {
				if !slices.Contains(c.Reviewers, r.Reviewer) {
					c.Reviewers = append(c.Reviewers, r.Reviewer)
				}
			}
		}
	}
	return c, nil
}

// Outcome is how an appeal ends. The zero Outcome is not valid.
type Outcome uint8

// The outcomes of an appeal.
const (
	Upheld Outcome = iota + 1
	Overturned
	Reduced
)

var outcomeText = enumtext.New("outcome", "", "upheld", "overturned", "reduced")

// String returns the outcome's name.
func (o Outcome) String() string { return outcomeText.String(uint8(o)) }

// MarshalText implements encoding.TextMarshaler.
func (o Outcome) MarshalText() ([]byte, error) { return outcomeText.Marshal(uint8(o)) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (o *Outcome) UnmarshalText(b []byte) error {
	v, err := outcomeText.Parse(string(b))
	*o = Outcome(v)
	return err
}

// Resolution is the decision on an appeal and the actions that carry it out.
type Resolution struct {
	Contest Contest   `json:"contest"`
	Outcome Outcome   `json:"outcome"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	Reason  string    `json:"reason"`
	// Penalty and Duration are what remains of the penalty.
	Penalty  policy.Penalty  `json:"penalty"`
	Duration policy.Duration `json:"duration,omitempty"`
	// Actions undo the original measures and apply a reduced one; evidence
	// and reports are never undone.
	Actions []enforcement.Action `json:"actions,omitempty"`
}

// Resolve decides the appeal. A person other than the original reviewers
// decides; a reduced penalty must be lower than the one contested.
// Overturning yields the undo actions of the plan for the account, releasing
// frozen funds back to it; reducing yields the undo of the original measure
// and the reduced one, and releases frozen funds when the ban is lifted.
func (c *Contest) Resolve(outcome Outcome, by string, at time.Time, reason string, reduced policy.Penalty, reducedFor policy.Duration) (*Resolution, error) {
	d := c.Decision
	switch {
	case by == "":
		return nil, fmt.Errorf("%w: a person decides an appeal", ErrAppeal)
	case slices.Contains(c.Reviewers, by):
		return nil, fmt.Errorf("%w: %s reviewed the violation and cannot decide the appeal against it", ErrAppeal, by)
	case at.Before(c.FiledAt):
		return nil, fmt.Errorf("%w: decided before it was filed", ErrAppeal)
	case reason == "":
		return nil, fmt.Errorf("%w: the decision on an appeal gives its reason", ErrAppeal)
	}
	r := &Resolution{Contest: *c, Outcome: outcome, By: by, At: at, Reason: reason, Penalty: d.Penalty, Duration: d.Duration}
	undo, freeze := slices.Clone(c.Undo), c.Release
	switch outcome {
	case Upheld:
	case Overturned:
		r.Penalty, r.Duration = policy.PenaltyNone, 0
		r.Actions = undo
		if freeze != nil {
			r.Actions = append(r.Actions, *freeze)
		}
	case Reduced:
		lower := reduced.Level() < d.Penalty.Level() || reduced.Level() == d.Penalty.Level() && reducedFor < d.Duration && reduced.Timed()
		kind, ok := enforcement.AccountActionKind(reduced)
		switch {
		case !ok || !lower:
			return nil, fmt.Errorf("%w: %s %s is not lower than the contested %s %s", ErrAppeal, reduced, reducedFor, d.Penalty, d.Duration)
		case reduced.Timed() && reducedFor <= 0:
			return nil, fmt.Errorf("%w: a reduced %s needs a duration", ErrAppeal, reduced)
		case !reduced.Timed() && reducedFor != 0:
			return nil, fmt.Errorf("%w: %s takes no duration", ErrAppeal, reduced)
		}
		r.Penalty, r.Duration = reduced, reducedFor
		r.Actions = undo
		if freeze != nil && reduced != policy.PenaltyBan {
			r.Actions = append(r.Actions, *freeze)
		}
		a := enforcement.Action{Kind: kind, Subject: c.Account, Violation: d.Violation,
			Key: fmt.Sprintf("%s-appeal-%s-%s", c.Plan, c.Account, reduced)}
		if reduced.Timed() {
			a.Until = d.At.Add(time.Duration(reducedFor))
		}
		r.Actions = append(r.Actions, a)
	default:
		return nil, fmt.Errorf("%w: unknown outcome %d", ErrAppeal, outcome)
	}
	for i := range r.Actions {
		r.Actions[i].Seq = i + 1
	}
	return r, nil
}
