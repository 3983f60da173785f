package policy

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/groupwarden/warden/internal/enumtext"
)

// Duration is a time.Duration that reads and writes as text: Go's duration
// syntax ("168h", "90m") plus whole days ("30d"). The zero Duration means no
// duration: a warning, or a permanent ban or closure.
type Duration time.Duration

// ParseDuration parses "30d", "168h", "1h30m" and the like. Negative
// durations are refused.
func ParseDuration(s string) (Duration, error) {
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok && days != "" {
		n, err := strconv.ParseUint(days, 10, 16)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("invalid duration %q (want a number of days like 30d or a Go duration like 168h)", s)
		}
	}
	if d < 0 {
		return 0, fmt.Errorf("negative duration %q", s)
	}
	return Duration(d), nil
}

// String returns "30d" for whole days, Go's form otherwise, "0s" for zero.
func (d Duration) String() string {
	day := 24 * time.Hour
	if td := time.Duration(d); td > 0 && td%day == 0 {
		return strconv.FormatInt(int64(td/day), 10) + "d"
	}
	return time.Duration(d).String()
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	*d = v
	return err
}

// Case is what the engine decides: one target (an account in a group, or the
// group itself), the group, the violations at hand and the time of the
// decision. The zero Case is not valid.
type Case struct {
	Target Target `json:"target" yaml:"target"`
	// Group is the group the violations happened in; always required.
	Group Group `json:"group" yaml:"group"`
	// Account is the account decided; required for account targets, nil for groups.
	Account *Account `json:"account,omitempty" yaml:"account,omitempty"`
	// Role is the account's role in the group; it must agree with the
	// group's owner and admins. Left zero, it is taken from them.
	Role Role `json:"role,omitempty" yaml:"role,omitempty"`
	// Violations are the violations considered; at least one.
	Violations []Violation `json:"violations" yaml:"violations"`
	// Now is the time of the decision. The engine never reads the clock.
	Now time.Time `json:"now" yaml:"now"`
}

// Ground is the basis a rule acts on, as a statement of reasons states it.
type Ground struct {
	// Kind is "illegal" (the content is illegal) or "contractual" (it breaks the terms of service).
	Kind string `json:"kind" yaml:"kind"`
	// Reference cites the law or the clause of the terms.
	Reference string `json:"reference" yaml:"reference"`
}

// Guard names one of the promises that rules cannot break. The zero Guard is not valid.
type Guard uint8

// The guards, in the order they run.
const (
	// GuardDoubleJudgment: nothing above a warning without a verified violation.
	GuardDoubleJudgment Guard = iota + 1
	// GuardNoCollectivePunishment: a member answers only for their own violations.
	GuardNoCollectivePunishment
	// GuardProportionality: a permanent measure needs high severity, a
	// zero-tolerance category or the end of an escalation ladder.
	GuardProportionality
	// GuardDueProcess: every penalty carries its reasons and an appeal route.
	GuardDueProcess
)

var guardText = enumtext.New("guard", "", "double-judgment", "no-collective-punishment", "proportionality", "due-process")

// String returns the guard's name, or "" for the zero value.
func (g Guard) String() string { return guardText.String(uint8(g)) }

// MarshalText implements encoding.TextMarshaler.
func (g Guard) MarshalText() ([]byte, error) { return guardText.Marshal(uint8(g)) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (g *Guard) UnmarshalText(b []byte) error {
	v, err := guardText.Parse(string(b))
	*g = Guard(v)
	return err
}

// Intervention is what a guard did. The zero Intervention is not valid.
type Intervention uint8

// The interventions of a guard.
const (
	// Lowered: the guard lowered the penalty a rule asked for.
	Lowered Intervention = iota + 1
	// Pending: the guard held the penalty for human review.
	Pending
	// Disabled: the guard would have acted but the policy turned it off.
	Disabled
)

var interventionText = enumtext.New("intervention", "", "lowered", "pending", "disabled")

// String returns the intervention's name, or "" for the zero value.
func (i Intervention) String() string { return interventionText.String(uint8(i)) }

// MarshalText implements encoding.TextMarshaler.
func (i Intervention) MarshalText() ([]byte, error) { return interventionText.Marshal(uint8(i)) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (i *Intervention) UnmarshalText(b []byte) error {
	v, err := interventionText.Parse(string(b))
	*i = Intervention(v)
	return err
}

// Match is one rule that matched one violation, with what it asked for and
// what it got after the guards.
type Match struct {
	Rule      string `json:"rule" yaml:"rule"`
	Violation string `json:"violation" yaml:"violation"`
	// Asked and AskedDuration are what the rule decided.
	Asked         Penalty  `json:"asked" yaml:"asked"`
	AskedDuration Duration `json:"asked_duration,omitempty" yaml:"asked_duration,omitempty"`
	// Penalty and Duration are what remains after the guards.
	Penalty  Penalty  `json:"penalty" yaml:"penalty"`
	Duration Duration `json:"duration,omitempty" yaml:"duration,omitempty"`
	// Ladder and Step tell which escalation step was taken (Step counts from 1).
	Ladder string `json:"ladder,omitempty" yaml:"ladder,omitempty"`
	Step   int    `json:"step,omitempty" yaml:"step,omitempty"`
}

// GuardNote records a guard that acted on a match.
type GuardNote struct {
	Guard     Guard        `json:"guard" yaml:"guard"`
	Action    Intervention `json:"action" yaml:"action"`
	Rule      string       `json:"rule" yaml:"rule"`
	Violation string       `json:"violation" yaml:"violation"`
	From      Penalty      `json:"from" yaml:"from"`
	To        Penalty      `json:"to" yaml:"to"`
	Reason    string       `json:"reason" yaml:"reason"`
}

// RuleError records a rule that could not be evaluated for a violation, for
// example because it ran over the cost limit. The rule does not contribute
// to the decision; the decision is still taken.
type RuleError struct {
	Rule      string `json:"rule" yaml:"rule"`
	Violation string `json:"violation" yaml:"violation"`
	Message   string `json:"message" yaml:"message"`
}

// Appeal is the route by which a decision can be contested.
type Appeal struct {
	Route string `json:"route" yaml:"route"`
	// Window is how long after the decision an appeal is open.
	Window Duration `json:"window" yaml:"window"`
}

// PolicyRef identifies the exact policy a decision was taken under.
type PolicyRef struct {
	Name    string `json:"name" yaml:"name"`
	Version string `json:"version" yaml:"version"`
	// Digest is the hex sha256 of the policy's canonical form.
	Digest string `json:"digest" yaml:"digest"`
}

// Decision is the outcome for one target: the penalty, the rule and reasons
// behind it, every rule that matched, every guard that acted, and the policy
// and time it was taken under. A decision with PenaltyNone and no matches
// means no rule applied.
type Decision struct {
	Target  Target  `json:"target" yaml:"target"`
	Subject string  `json:"subject" yaml:"subject"`
	Role    Role    `json:"role,omitempty" yaml:"role,omitempty"`
	Penalty Penalty `json:"penalty" yaml:"penalty"`
	// Duration is set for restrict and suspend; zero otherwise.
	Duration Duration `json:"duration,omitempty" yaml:"duration,omitempty"`
	// Rule and Violation name the match that won; empty when Penalty is none.
	Rule      string `json:"rule,omitempty" yaml:"rule,omitempty"`
	Violation string `json:"violation,omitempty" yaml:"violation,omitempty"`
	Category  string `json:"category,omitempty" yaml:"category,omitempty"`
	// Reason is the winning rule's message and Ground its basis.
	Reason string `json:"reason,omitempty" yaml:"reason,omitempty"`
	Ground Ground `json:"ground,omitzero" yaml:"ground,omitempty"`
	// Verified reports whether the winning violation passed the double judgment.
	Verified bool `json:"verified,omitempty" yaml:"verified,omitempty"`
	// PendingReview is set when a person must review before the penalty, or a
	// heavier one a guard held back, is applied.
	PendingReview bool        `json:"pending_review,omitempty" yaml:"pending_review,omitempty"`
	Matches       []Match     `json:"matches,omitempty" yaml:"matches,omitempty"`
	Guards        []GuardNote `json:"guards,omitempty" yaml:"guards,omitempty"`
	Errors        []RuleError `json:"errors,omitempty" yaml:"errors,omitempty"`
	// Appeal is set when Penalty is above none.
	Appeal Appeal    `json:"appeal,omitzero" yaml:"appeal,omitempty"`
	Policy PolicyRef `json:"policy" yaml:"policy"`
	At     time.Time `json:"at" yaml:"at"`
}

// Until returns when a timed penalty ends; the zero time for others.
func (d *Decision) Until() time.Time {
	if !d.Penalty.Timed() {
		return time.Time{}
	}
	return d.At.Add(time.Duration(d.Duration))
}
