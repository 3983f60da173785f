// Package benchmarks puts one warden decision side by side with the same
// decision made four other ways: hand-written Go (the floor), a plain cel-go
// loop, OPA and cedar-go. It is a module of its own so that the peers never
// reach warden's go.mod; all of it lives in the tests, and README.md gives
// the figures and how to reproduce them.
package benchmarks
