//go:build !race

package funds_test

const raceEnabled = false
