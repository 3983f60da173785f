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
	assert.Contains(t, s, "held for Li Wei, the holder of record")
	assert.Contains(t, s, "REFUSED (duplicate-reference at reference)")
	assert.Contains(t, s, "REFUSED (separation-of-duties at by)")
	assert.Contains(t, s, "REFUSED (destination at destination.name)")
	assert.Contains(t, s, "REFUSED (version-conflict at seq)")
	assert.Contains(t, s, "paid CNY 1162.00")
	assert.Contains(t, s, "Money conserved: true")
	assert.Equal(t, 4, bytes.Count(out.Bytes(), []byte("REFUSED")), s)
}
