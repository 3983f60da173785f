package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTables reads a run of known figures and checks the ratios the README
// quotes: medians over the samples, each against the baseline of its own
// case in the same run.
func TestTables(t *testing.T) {
	f, err := os.Open("testdata/run.txt")
	require.NoError(t, err)
	defer f.Close()
	s, err := parse(f)
	require.NoError(t, err)
	var out bytes.Buffer
	decideTable(&out, s)
	denseTable(&out, s)
	lines := strings.Split(out.String(), "\n")
	// warden: median 220 over go's median 12, range 200/12 to 240/12; over
	// the tuned cel-go's median 660.
	require.Contains(t, lines, "| owner-csam | warden | 18 (17–20) | 0.33 | 220 | 96 | 1 |")
	require.Contains(t, lines, "| owner-csam | warden | 3.0 | 300 | – | 18 | 1 |")
	// warden-into: the median of two samples, 157.5, against the same
	// peers.
	require.Contains(t, lines, "| owner-csam | warden-into | 4.2 | 419 | – | 13 | 0 |")
	// The dense policy: the medians 140 and 110.
	require.Contains(t, lines, "| 1000 | warden | 1.3 (1.2–1.4) | 140 | 576 | 1 |")
}

// TestNoBenchmarks: input without benchmark lines gives no table.
func TestNoBenchmarks(t *testing.T) {
	s, err := parse(strings.NewReader("PASS\nok x 1s\n"))
	require.NoError(t, err)
	require.Empty(t, s.names)
}
