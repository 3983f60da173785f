package funds

// NormalName is normal, for the tests.
var NormalName = normal

// SetMaxEvents lowers the limit of a claim's events for a test, and
// returns the function that restores it: defer it, and run no other test
// beside it (the limit is the package's).
func SetMaxEvents(n int) (restore func()) {
	old := maxEvents
	maxEvents = n
	return func() { maxEvents = old }
}
