package vocab

import "github.com/groupwarden/warden/internal/enumtext"

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
