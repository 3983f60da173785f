package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInputOverTheLimitIsRefusedUnread: a file larger than maxInputBytes is
// refused after reading one byte past the limit, before any parsing.
func TestInputOverTheLimitIsRefusedUnread(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.yaml")
	f, err := os.Create(big)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(maxInputBytes+1)) // sparse: no disk used
	require.NoError(t, f.Close())
	for _, cmd := range [][]string{{"eval", big}, {"test", big}, {"check", big}, {"eval", "-policy", big, big}} {
		var stdout, stderr bytes.Buffer
		status := run(cmd, nil, &stdout, &stderr)
		assert.Equal(t, exitUsage, status, "%v: %s%s", cmd, stdout.String(), stderr.String())
		assert.Contains(t, stdout.String()+stderr.String(), "maxInputBytes", "%v", cmd)
	}
}
