package policy_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/policy"
)

// TestDecideRefusesTimesAndEnumsJSONCannotWrite: times outside years 1 to
// 9999 and enum values without a name, set through the Go API, were decided
// (only the planner refused some); every path of the engine refuses them.
func TestDecideRefusesTimesAndEnumsJSONCannotWrite(t *testing.T) {
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		edit func(gc *policy.GroupCase)
		path string
		code policy.Code
	}{
		{"now after 9999", func(gc *policy.GroupCase) { gc.Now = far }, "now", policy.CodeTimeRange},
		{"zone offset of 25 hours", func(gc *policy.GroupCase) { gc.Now = gc.Now.In(time.FixedZone("x", 25*3600)) }, "now", policy.CodeTimeRange},
		{"group created after 9999", func(gc *policy.GroupCase) { gc.Group.Created = far }, "group.created", policy.CodeTimeRange},
		{"group history", func(gc *policy.GroupCase) {
			gc.Group.History = []policy.Record{{At: far, Penalty: policy.PenaltyWarn}}
		}, "group.history[0].at", policy.CodeTimeRange},
		{"member created", func(gc *policy.GroupCase) { gc.Members[1].Account.Created = far }, "members[1].account.created", policy.CodeTimeRange},
		{"member history", func(gc *policy.GroupCase) {
			gc.Members[1].Account.History = []policy.Record{{At: far, Penalty: policy.PenaltyWarn}}
		}, "members[1].account.history[0].at", policy.CodeTimeRange},
		{"violation detected", func(gc *policy.GroupCase) { gc.Violations[0].Detected = far }, "violations[0].detected", policy.CodeTimeRange},
		{"review", func(gc *policy.GroupCase) { gc.Violations[0].Reviews[0].At = far }, "violations[0].reviews[0].at", policy.CodeTimeRange},
		{"identification", func(gc *policy.GroupCase) {
			gc.Violations[0].Evidence.Identifications[0].At = far
		}, "violations[0].evidence.identifications[0].at", policy.CodeTimeRange},
		{"account type", func(gc *policy.GroupCase) { gc.Members[1].Account.Type = 9 }, "members[1].account.type", policy.CodeEnum},
		{"asset kind", func(gc *policy.GroupCase) {
			gc.Members[0].Account.Holdings = []policy.Holding{{Kind: 5, Amount: 1, Currency: "EUR"}}
		}, "members[0].account.holdings[0].kind", policy.CodeEnum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gc := policy.GroupCase{
				Group: policy.Group{ID: "g1", Owner: "alice", Members: 2},
				Members: []policy.Membership{
					{Account: policy.Account{ID: "alice"}, Role: policy.RoleOwner},
					{Account: policy.Account{ID: "bob"}, Role: policy.RoleMember},
				},
				Violations: []policy.Violation{benchViolation("spam", policy.SeverityHigh, "bob")},
				Now:        benchNow,
			}
			gc.Violations[0].Evidence.Identifications = append([]policy.Identification(nil), gc.Violations[0].Evidence.Identifications...)
			gc.Violations[0].Reviews = append([]policy.Review(nil), gc.Violations[0].Reviews...)
			tt.edit(&gc)
			_, err := policy.Default().DecideGroup(t.Context(), gc, nil)
			require.Error(t, err)
			assert.Equal(t, tt.code, policy.CodeOf(err), "%v", err)
			path, _ := policy.PathOf(err)
			assert.Equal(t, tt.path, path)
		})
	}
}
