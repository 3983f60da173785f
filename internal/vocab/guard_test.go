package vocab

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A guard is written as the policy spells it; the former spellings, with
// hyphens, still read, and nothing else does.
func TestGuardSpellings(t *testing.T) {
	for g, former := range map[Guard]string{
		GuardDoubleJudgment: "double-judgment", GuardNoCollectivePunishment: "no-collective-punishment",
		GuardProportionality: "proportionality", GuardDueProcess: "due-process",
	} {
		got, err := ParseGuard(former)
		require.NoError(t, err)
		assert.Equal(t, g, got)
		var n GuardNote
		require.NoError(t, json.Unmarshal([]byte(`{"guard":"`+former+`","action":"lowered"}`), &n))
		assert.Equal(t, g, n.Guard)
		out, err := json.Marshal(n.Guard)
		require.NoError(t, err)
		assert.NotContains(t, string(out), "-", "a guard is written with underscores")
	}
	assert.Equal(t, "double_judgment", GuardDoubleJudgment.String())
	_, err := ParseGuard("double-judgement")
	assert.Error(t, err)
	_, err = ParseGuard("proportionality-")
	assert.Error(t, err)
}
