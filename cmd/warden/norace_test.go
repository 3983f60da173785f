//go:build !race

package main

// raceEnabled reports that the race detector is on: tests whose timing
// it distorts run without it, in .ci/run.
const raceEnabled = false
