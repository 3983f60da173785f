package lang

import (
	"math"

	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/internal/vocab"
)

// The limits of a policy document, checked before the expensive work.
const (
	// MaxPolicyBytes is the largest document, in bytes.
	MaxPolicyBytes = 8 << 20
	// MaxRules is the most rules a policy may declare: each costs an
	// index entry per category it can match.
	MaxRules = 5000
	// MaxVariables is the most variables a policy may declare.
	MaxVariables = 1000
	// MaxLadders is the most escalation ladders a policy may declare.
	MaxLadders = 1000
	// MaxCategories is the most categories a policy may declare: a
	// category index is one byte.
	MaxCategories = math.MaxUint8
	// MaxErrors is the most problems reported for one document; a last one
	// says how many more were found.
	MaxErrors = 1000
)

// listLimits are the limits of the lists of a document, by name, with the
// name of the constant an error cites.
var listLimits = map[string]struct {
	max  int
	name string
}{
	"categories": {MaxCategories, "MaxCategories"},
	"variables":  {MaxVariables, "MaxVariables"},
	"ladders":    {MaxLadders, "MaxLadders"},
	"rules":      {MaxRules, "MaxRules"},
}

// overLimit reports a list longer than its limit and returns the items to
// read: none then, so that a list over its limit costs no more than
// counting it.
func (p *parser) overLimit(n *yaml.Node, what string) []*yaml.Node {
	l, ok := listLimits[what]
	if !ok || len(n.Content) <= l.max {
		return n.Content
	}
	p.At(n, vocab.CodeInvalidValue, "%d %s, more than %s (%d) allows", len(n.Content), what, l.name, l.max)
	return nil
}
