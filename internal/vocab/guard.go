package vocab

// Guard names one of the promises that rules cannot break. The zero Guard is not valid.
type Guard uint8

// Guard notes once spelt the guards with hyphens (double-judgment), unlike
// the policy's keys; they are spelt as in the policy now (double_judgment),
// and the former spellings still parse, so that fixtures and stored
// decisions written before keep reading.
func init() {
	guardText = guardText.WithFormer("", "double-judgment", "no-collective-punishment", "", "due-process")
}

// Intervention is what a guard did. The zero Intervention is not valid.
type Intervention uint8

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
