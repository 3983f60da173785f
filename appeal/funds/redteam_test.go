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

// Growth in steps each under the bound adds up: without a cosigner the
// holding never rises more than ValuationGrowth above the level a second
// person last vouched for.
func TestValuationRatchet(t *testing.T) {
	cfg := funds.DefaultConfig() // 10%
	c := wmClaim(t, cfg)         // 1,000,000 held
	var err error
	c, err = step(cfg, c, funds.Event{ID: "v1", Kind: funds.EventValuationChanged, At: at(1), By: "desk", Amount: 60000})
	require.NoError(t, err)
	c, err = step(cfg, c, funds.Event{ID: "v2", Kind: funds.EventValuationChanged, At: at(2), By: "desk", Amount: 40000})
	require.NoError(t, err, "10% in two steps")
	_, err = step(cfg, c, funds.Event{ID: "v3", Kind: funds.EventValuationChanged, At: at(3), By: "desk", Amount: 1})
	requireRefused(t, err, funds.CodeSecondPerson)
	_, err = step(cfg, c, funds.Event{ID: "v3", Kind: funds.EventValuationChanged, At: at(3), By: "desk", Cosigner: "Desk", Amount: 1})
	requireRefused(t, err, funds.CodeSecondPerson)
	ratchet := c
	for i := range 5 {
		ratchet, err = step(cfg, ratchet, funds.Event{ID: "r" + string(rune('0'+i)), Kind: funds.EventValuationChanged, At: at(4 + i), By: "desk", Cosigner: "DESK ", Amount: 1000})
		if err != nil {
			break
		}
	}
	requireRefused(t, err, funds.CodeSecondPerson)

	// A fall makes room again up to the vouched level, each step still
	// within the bound of what is held.
	c, err = step(cfg, c, funds.Event{ID: "d", Kind: funds.EventValuationChanged, At: at(10), By: "desk", Amount: -600000})
	require.NoError(t, err)
	_, err = step(cfg, c, funds.Event{ID: "u", Kind: funds.EventValuationChanged, At: at(11), By: "desk", Amount: 600000})
	requireRefused(t, err, funds.CodeSecondPerson)
	for i := 0; c.Held < 1100000; i++ {
		gain := min(c.Held/10000*1000, 1100000-c.Held)
		c, err = step(cfg, c, funds.Event{ID: "u" + string(rune('0'+i)), Kind: funds.EventValuationChanged, At: at(11), By: "desk", Amount: gain})
		require.NoError(t, err, "step %d", i)
	}
	assert.Equal(t, int64(1100000), c.Held)
	// A second person vouches for a new level; growth counts from it.
	c, err = step(cfg, c, funds.Event{ID: "x", Kind: funds.EventValuationChanged, At: at(12), By: "desk", Cosigner: "risk-officer", Amount: 1})
	require.NoError(t, err)
	c, err = step(cfg, c, funds.Event{ID: "y", Kind: funds.EventValuationChanged, At: at(13), By: "desk", Amount: 110000})
	require.NoError(t, err)
	c = reload(t, c)
	_, err = step(cfg, c, funds.Event{ID: "z", Kind: funds.EventValuationChanged, At: at(14), By: "desk", Amount: 100})
	requireRefused(t, err, funds.CodeSecondPerson)

	// A redemption counts with the changes before it.
	c = wmClaim(t, cfg)
	c, err = step(cfg, c, funds.Event{ID: "v1", Kind: funds.EventValuationChanged, At: at(1), By: "desk", Amount: 100000})
	require.NoError(t, err)
	c = approveWM(t, cfg, c)
	_, err = step(cfg, c, funds.Event{ID: "red", Kind: funds.EventRedeemed, At: at(40), Automated: true, Amount: c.Held + 50000})
	requireRefused(t, err, funds.CodeSecondPerson)
	c, err = step(cfg, c, funds.Event{ID: "red", Kind: funds.EventRedeemed, At: at(40), Automated: true, Amount: c.Held})
	require.NoError(t, err)
}

// approveWM takes a wealth-management claim from held to approved.
func approveWM(t *testing.T, cfg funds.Config, c funds.Claim) funds.Claim {
	t.Helper()
	for i, e := range []funds.Event{
		{Kind: funds.EventOpened, Channel: "online application"},
		{Kind: funds.EventIdentityChecked, By: "agent-1", Method: "online", Holder: "Li Wei"},
		{Kind: funds.EventDeductionsClosed, By: "agent-1"},
		{Kind: funds.EventApproved, By: "supervisor-2"},
	} {
		e.ID, e.At = "wm"+string(rune('0'+i)), at(30+i)
		var err error
		c, err = step(cfg, c, e)
		require.NoError(t, err, "step %d", i)
	}
	return c
}
