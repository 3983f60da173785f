//go:build race

package policy

// raceDetector is set when the tests run under the race detector, which
// makes them several times slower: long property tests draw fewer cases.
const raceDetector = true
