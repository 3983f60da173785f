package policy_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/policy"
)

// planCases reads the group cases of the plan fixtures.
func planCases(t *testing.T) map[string]policy.GroupCase {
	t.Helper()
	paths, err := filepath.Glob("../testdata/plans/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	out := map[string]policy.GroupCase{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		var f struct {
			Case policy.GroupCase `yaml:"case"`
		}
		require.NoError(t, yaml.Unmarshal(data, &f), p)
		out[filepath.Base(p)] = f.Case
	}
	return out
}

// DecideGroup decides the group and each member exactly as Decide decides
// the cases GroupCase and MemberCase give, in the order of the members,
// and appends to what dst holds.
func TestDecideGroupIsDecideOfEachCase(t *testing.T) {
	e := policy.Default()
	ctx := context.Background()
	for name, gc := range planCases(t) {
		prefix := []policy.Decision{{Subject: "kept"}}
		got, err := e.DecideGroup(ctx, gc, slices.Clone(prefix))
		require.NoError(t, err, name)
		require.Len(t, got, 2+len(gc.Members), name)
		assert.Equal(t, prefix[0], got[0], name)
		want, err := e.Decide(ctx, gc.GroupCase())
		require.NoError(t, err, name)
		assert.Equal(t, want, got[1], name)
		for i := range gc.Members {
			want, err := e.Decide(ctx, gc.MemberCase(i))
			require.NoError(t, err, name)
			assert.Equal(t, want, got[2+i], "%s member %d", name, i)
			assert.Equal(t, gc.Members[i].Account.ID, got[2+i].Subject)
		}
	}
}

// The member list is unordered: shuffling it shuffles the decisions the
// same way and changes none of them.
func TestDecideGroupMembersInAnyOrder(t *testing.T) {
	e := policy.Default()
	rng := rand.New(rand.NewPCG(2017, 8))
	for name, gc := range planCases(t) {
		base, err := e.DecideGroup(t.Context(), gc, nil)
		require.NoError(t, err, name)
		bySubject := map[string]policy.Decision{}
		for _, d := range base[1:] {
			bySubject[d.Subject] = d
		}
		for range 5 {
			shuffled := gc
			shuffled.Members = slices.Clone(gc.Members)
			rng.Shuffle(len(shuffled.Members), func(i, j int) {
				shuffled.Members[i], shuffled.Members[j] = shuffled.Members[j], shuffled.Members[i]
			})
			got, err := e.DecideGroup(t.Context(), shuffled, nil)
			require.NoError(t, err, name)
			assert.Equal(t, base[0], got[0], name)
			for i, d := range got[1:] {
				assert.Equal(t, shuffled.Members[i].Account.ID, d.Subject)
				assert.Equal(t, bySubject[d.Subject], d, name)
			}
		}
	}
}

func TestDecideGroupRefusesContradictions(t *testing.T) {
	now := time.Date(2017, 2, 20, 10, 0, 0, 0, time.UTC)
	valid := func() policy.GroupCase {
		return policy.GroupCase{
			Group: policy.Group{ID: "g1", Owner: "alice", Admins: []string{"bob"}, Members: 3},
			Members: []policy.Membership{
				{Account: policy.Account{ID: "alice"}, Role: policy.RoleOwner},
				{Account: policy.Account{ID: "bob"}, Role: policy.RoleAdmin},
				{Account: policy.Account{ID: "carol"}, Role: policy.RoleMember},
			},
			Violations: []policy.Violation{{ID: "v1", Category: "spam", Severity: policy.SeverityHigh, Actor: "carol"}},
			Now:        now,
		}
	}
	_, err := policy.Default().DecideGroup(t.Context(), valid(), nil)
	require.NoError(t, err)
	for _, tt := range []struct {
		name   string
		change func(gc *policy.GroupCase)
		path   string
		code   policy.Code
	}{
		{"owner not listed", func(gc *policy.GroupCase) { gc.Members = gc.Members[1:]; gc.Group.Members = 2 },
			"members", policy.CodeMissingLeader},
		{"admin not listed", func(gc *policy.GroupCase) {
			gc.Members = slices.Delete(gc.Members, 1, 2)
			gc.Group.Members = 2
		}, "group.admins[0]", policy.CodeMissingLeader},
		{"count below the list", func(gc *policy.GroupCase) { gc.Group.Members = 2 }, "group.members", policy.CodeContradiction},
		{"count above the list", func(gc *policy.GroupCase) { gc.Group.Members = 40 }, "group.members", policy.CodeContradiction},
		{"duplicate member", func(gc *policy.GroupCase) {
			gc.Members = append(gc.Members, gc.Members[2])
			gc.Group.Members = 4
		}, "members[3].account.id", policy.CodeDuplicateID},
		{"owner listed as admin", func(gc *policy.GroupCase) { gc.Group.Admins = []string{"bob", "alice"} },
			"group.admins[1]", policy.CodeContradiction},
		{"empty admin id", func(gc *policy.GroupCase) { gc.Group.Admins = []string{""} }, "group.admins[0]", policy.CodeMissingField},
		{"admin listed twice", func(gc *policy.GroupCase) { gc.Group.Admins = []string{"bob", "bob"} }, "group.admins[1]", policy.CodeDuplicateID},
		{"member claims to be an admin", func(gc *policy.GroupCase) { gc.Members[2].Role = policy.RoleAdmin },
			"members[2].role", policy.CodeContradiction},
		{"member without an id", func(gc *policy.GroupCase) { gc.Members[2].Account.ID = "" }, "members[2].account.id", policy.CodeMissingField},
		{"member without a role", func(gc *policy.GroupCase) { gc.Members[2].Role = 0 }, "members[2].role", policy.CodeInvalidValue},
		{"negative holding", func(gc *policy.GroupCase) {
			gc.Members[2].Account.Holdings = []policy.Holding{{Amount: -1, Currency: "CNY"}}
		}, "members[2].account.holdings[0]", policy.CodeInvalidValue},
		{"member history not a penalty", func(gc *policy.GroupCase) {
			gc.Members[1].Account.History = []policy.Record{{At: now, Penalty: 99}}
		}, "members[1].account.history[0].penalty", policy.CodeInvalidValue},
		{"no time", func(gc *policy.GroupCase) { gc.Now = time.Time{} }, "now", policy.CodeMissingField},
	} {
		t.Run(tt.name, func(t *testing.T) {
			gc := valid()
			tt.change(&gc)
			dst := []policy.Decision{{Subject: "kept"}}
			got, err := policy.Default().DecideGroup(t.Context(), gc, dst)
			require.Error(t, err)
			assert.ErrorIs(t, err, policy.ErrInvalidCase)
			assert.Equal(t, tt.code, policy.CodeOf(err), err.Error())
			path, ok := policy.PathOf(err)
			assert.True(t, ok)
			assert.Equal(t, tt.path, path, err.Error())
			assert.Equal(t, dst, got, "nothing is appended for a refused case")
		})
	}
}

// Admins are checked in every case, not only in group cases.
func TestDecideChecksAdmins(t *testing.T) {
	c := policy.Case{
		Target:     policy.TargetGroup,
		Group:      policy.Group{ID: "g1", Owner: "alice", Admins: []string{"alice"}, Members: 3},
		Violations: []policy.Violation{{ID: "v1", Category: "spam", Severity: policy.SeverityHigh}},
		Now:        time.Date(2017, 2, 20, 10, 0, 0, 0, time.UTC),
	}
	_, err := policy.Default().Decide(t.Context(), c)
	assert.Equal(t, policy.CodeContradiction, policy.CodeOf(err))
}

// Every case code is one that some malformed case gets.
func TestEveryCaseCodeIsReachable(t *testing.T) {
	now := time.Date(2017, 2, 20, 10, 0, 0, 0, time.UTC)
	base := policy.Case{
		Target:     policy.TargetGroup,
		Group:      policy.Group{ID: "g1", Owner: "alice", Members: 3},
		Violations: []policy.Violation{{ID: "v1", Category: "spam", Severity: policy.SeverityHigh}},
		Now:        now,
	}
	tooMany := base
	tooMany.Group.History = make([]policy.Record, 1001)
	contradiction := base
	contradiction.Violations = []policy.Violation{{ID: "v1", Category: "spam", Severity: policy.SeverityHigh, Group: "g2"}}
	late := base
	late.Now = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	badType := base
	badType.Target, badType.Account = policy.TargetAccount, &policy.Account{ID: "bob", Type: 7}
	got := map[policy.Code]bool{}
	for _, c := range []policy.Case{tooMany, contradiction, late, badType} {
		_, err := policy.Default().Decide(t.Context(), c)
		got[policy.CodeOf(err)] = true
	}
	group := base.Group
	group.Members = 1
	_, err := policy.Default().DecideGroup(t.Context(), policy.GroupCase{Group: group, Violations: base.Violations, Now: now,
		Members: []policy.Membership{{Account: policy.Account{ID: "x"}, Role: policy.RoleMember}}}, nil)
	got[policy.CodeOf(err)] = true
	for _, code := range policy.CaseCodes() {
		assert.True(t, got[code], "no case gets %s", code)
	}
}
