package policy_test

import (
	"testing"

	"github.com/groupwarden/warden/policy/policytest"
)

// TestFixtures runs every fixture case under testdata/cases against the
// policy its file names, or the default policy.
func TestFixtures(t *testing.T) {
	policytest.Run(t, nil, "../testdata/cases/*.yaml")
}
