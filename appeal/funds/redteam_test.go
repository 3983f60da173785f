package funds_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/appeal/funds"
)

// One person with two spellings of a name is still one person: case
// folding beyond ASCII, compatibility forms (full-width, mathematical
// letters, ligatures), invisible characters and runs of space do not make
// a second reviewer.
func TestOnePersonTwoSpellings(t *testing.T) {
	for _, alias := range []string{
		"ａｇｅｎｔ-4",             // full-width
		"agent\u200b-4",       // zero-width space
		"agent-\u2064" + "4",  // invisible plus
		"\u200eagent-4\u200f", // bidi marks
		"𝐚𝐠𝐞𝐧𝐭-4",             // mathematical bold
		"agent-4\u00a0",       // no-break space
		"\u212aarl",           // Kelvin sign: checked as "karl" below
	} {
		t.Run(alias, func(t *testing.T) {
			name := "agent-4"
			if alias == "\u212aarl" {
				name = "karl"
			}
			assert.True(t, funds.SamePerson(alias, name), "%q is %q", alias, name)
		})
	}
	assert.True(t, funds.SamePerson("Agent  4", "agent 4"), "runs of space are one space")
	assert.True(t, funds.SamePerson("ΟΔΥΣΣΕΥΣ", "οδυσσευς"), "final sigma folds")
	assert.False(t, funds.SamePerson("agent-4", "agent-40"))
	assert.False(t, funds.SamePerson("agent 4", "agent4"), "a space between words still counts")

	// The attack: the agent who proposed the chargeback approves under a
	// full-width spelling of the same name.
	cfg := funds.DefaultConfig()
	flow := walletFlow()
	flow[5].By = "ａｇｅｎｔ\u200b-4"
	c, _ := stamp(t, cfg, flow[:5])
	_, err := step(cfg, c, flow[5])
	requireRefused(t, err, funds.CodeSeparation)
}

// A chargeback reference that differs only in case, width, invisible
// characters or spacing is the same reference.
func TestReferenceSpellings(t *testing.T) {
	cfg := funds.DefaultConfig()
	c, _ := stamp(t, cfg, walletFlow()[:4]) // cb-991 proposed
	for _, ref := range []string{"ＣＢ-991", "cb\u200b-991", "cb - 991", "cb-991\u00a0", "CB-９９１"} {
		_, err := step(cfg, c, funds.Event{ID: "4b", Kind: funds.EventDeductionProposed, At: at(26), By: "agent-5", Amount: 5000,
			Basis: funds.BasisChargeback, Reference: ref, Payee: "original payer of order 991"})
		requireRefused(t, err, funds.CodeDuplicateRef)
	}
	c2, err := step(cfg, c, funds.Event{ID: "4b", Kind: funds.EventDeductionProposed, At: at(26), By: "agent-5", Amount: 5000,
		Basis: funds.BasisChargeback, Reference: "cb-992", Payee: "original payer of order 992"})
	require.NoError(t, err, "another reference is another deduction")
	require.Len(t, c2.Pending, 2)
}

// A payout goes only to the holder's own name: a look-alike in another
// script, or the name with invisible characters in it, is refused.
func TestDestinationLookAlikes(t *testing.T) {
	cfg := funds.DefaultConfig()
	c, _ := stamp(t, cfg, walletFlow()[:6]) // approved
	for _, name := range []string{
		"Li W\u0435i",  // Cyrillic ie
		"Li We\u0456",  // Cyrillic i
		"Li\u200b Wei", // zero-width space
		"Li Wei\u202e", // right-to-left override
		"Li Wei Jr",
	} {
		_, err := step(cfg, c, funds.Event{ID: "7", Kind: funds.EventPayoutRequested, At: at(31),
			Destination: funds.Destination{Account: "bank-x", Name: name, Verified: true}})
		requireRefused(t, err, funds.CodeDestination)
	}
	for _, name := range []string{"LI WEI", " li  wei ", "Ｌｉ Ｗｅｉ"} {
		_, err := step(cfg, c, funds.Event{ID: "7", Kind: funds.EventPayoutRequested, At: at(31),
			Destination: funds.Destination{Account: "bank-6222", Name: name, Verified: true}})
		require.NoError(t, err, "%q is the holder's name", name)
	}
}
