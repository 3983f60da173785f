package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The program runs offline and reaches the decisions its stories tell.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out))
	var verdicts []string
	lines := strings.Split(out.String(), "\n")
	for i, line := range lines {
		if strings.HasPrefix(line, "== ") {
			verdicts = append(verdicts, lines[i+1])
		}
	}
	assert.Equal(t, []string{
		"group guild-ironwolves: close by rule grooming-guild-close",
		"account bram (admin): suspend 30d by rule grooming-officer-suspend",
		"group guild-ironwolves: restrict 3d by rule grooming-guild-close, pending review",
		"account quill (member): suspend 14d by rule cheat-seller",
		"account vex (member): suspend 7d by rule hate-speech",
		"account goldrush99 (member): suspend 14d by rule new-account-scam",
		"account oldhand (member): none",
	}, verdicts)
	assert.Contains(t, out.String(), "guard proportionality lowered ban to suspend")
	assert.Contains(t, out.String(), "guard double_judgment lowered close to restrict")
	assert.Contains(t, out.String(), "variables.new_account=false", "an unknown creation date is not a new account")
}
