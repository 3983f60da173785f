package vocab

import "time"

// Ground is the basis a rule acts on, as a statement of reasons states it.
type Ground struct {
	// Kind is "illegal" (the content is illegal) or "contractual" (it breaks the terms of service).
	Kind string `json:"kind" yaml:"kind"`
	// Reference cites the law or the clause of the terms.
	Reference string `json:"reference" yaml:"reference"`
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

// RuleError records a rule that could not be evaluated for a violation, for
// example because it ran over the cost limit. The rule does not contribute
// to the decision; the decision is still taken, and held for review.
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
	// Errors lists the rules that failed at run time; a decision with any
	// is PendingReview, and a plan holds it for a person.
	Errors []RuleError `json:"errors,omitempty" yaml:"errors,omitempty"`
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
