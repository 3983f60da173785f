//go:build race

package funds_test

// The race detector slows the property test tenfold, and it has no
// goroutines to watch; under it the test runs a tenth of its sequences.
// CI runs the full 12,000 without the detector.
const raceEnabled = true
