package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNarrative(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	s := out.String()
	assert.Contains(t, s, "Your funds are safe")
	assert.Contains(t, s, "customer-service hotline")
	assert.Contains(t, s, "REFUSED (destination)")
	assert.Contains(t, s, "paid CNY 1162.00")
	assert.Contains(t, s, "Money conserved: true")
}
