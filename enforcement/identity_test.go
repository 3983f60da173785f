package enforcement_test

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/examples/synth"
	"github.com/groupwarden/warden/policy"
)

// shuffled returns the case with every unordered field in a random order:
// members, admins, histories and holdings.
func shuffled(gc enforcement.GroupCase, rng *rand.Rand) enforcement.GroupCase {
	shuffle := func(n int, swap func(i, j int)) { rng.Shuffle(n, swap) }
	gc.Group.Admins = slices.Clone(gc.Group.Admins)
	shuffle(len(gc.Group.Admins), func(i, j int) { gc.Group.Admins[i], gc.Group.Admins[j] = gc.Group.Admins[j], gc.Group.Admins[i] })
	gc.Group.History = slices.Clone(gc.Group.History)
	shuffle(len(gc.Group.History), func(i, j int) { gc.Group.History[i], gc.Group.History[j] = gc.Group.History[j], gc.Group.History[i] })
	gc.Members = slices.Clone(gc.Members)
	for i := range gc.Members {
		a := &gc.Members[i].Account
		a.History, a.Holdings = slices.Clone(a.History), slices.Clone(a.Holdings)
		shuffle(len(a.History), func(i, j int) { a.History[i], a.History[j] = a.History[j], a.History[i] })
		shuffle(len(a.Holdings), func(i, j int) { a.Holdings[i], a.Holdings[j] = a.Holdings[j], a.Holdings[i] })
	}
	shuffle(len(gc.Members), func(i, j int) { gc.Members[i], gc.Members[j] = gc.Members[j], gc.Members[i] })
	return gc
}

// The order of unordered fields changes neither the plan id nor the plan:
// a re-planned group whose member list came back in another order is not
// banned and notified again under new keys.
func TestPlanIgnoresTheOrderOfUnorderedFields(t *testing.T) {
	planner := enforcement.NewPlanner(policy.Default())
	cfg := synth.Default
	cfg.Groups = 200
	rng := rand.New(rand.NewPCG(3, 4))
	reordered := 0
	for gc := range synth.Cases(cfg) {
		// Give the accounts histories and holdings in several entries.
		gc.Members = slices.Clone(gc.Members)
		for i := range gc.Members {
			a := &gc.Members[i].Account
			a.History = append(slices.Clone(a.History),
				policy.Record{At: gc.Now.Add(-48 * time.Hour), Penalty: policy.PenaltyWarn, Category: "spam"},
				policy.Record{At: gc.Now.Add(-24 * time.Hour), Penalty: policy.PenaltyWarn, Category: "fraud"})
			a.Holdings = append(slices.Clone(a.Holdings), policy.Holding{Amount: 1, Currency: "EUR"}, policy.Holding{Amount: 2, Currency: "CNY"})
		}
		want, err := planner.Plan(context.Background(), gc)
		require.NoError(t, err)
		other := shuffled(gc, rng)
		got, err := planner.Plan(context.Background(), other)
		require.NoError(t, err)
		require.Equal(t, want.ID, got.ID)
		if !slices.EqualFunc(gc.Members, other.Members, func(a, b policy.Membership) bool { return a.Account.ID == b.Account.ID }) {
			reordered++
		}
		// The members come out in the plan's order either way, and every
		// key names the same action; holdings and histories are the
		// case's own, in the order given.
		assert.Equal(t, memberIDs(want), memberIDs(got))
		assert.Equal(t, actionKinds(want), actionKinds(got))
	}
	require.Positive(t, reordered)
}

func memberIDs(p *enforcement.Plan) []string {
	var out []string
	for _, m := range p.Members {
		out = append(out, m.Account.ID)
	}
	return out
}

func actionKinds(p *enforcement.Plan) []string {
	var out []string
	for _, a := range p.Actions {
		out = append(out, a.Key+" "+a.Kind.String()+" "+a.Subject)
	}
	return out
}

// Times 2^64 nanoseconds apart (about 584 years) have different plan ids:
// the canonical form writes seconds and nanoseconds in full.
func TestPlanIDTimesInFull(t *testing.T) {
	f := loadPlanFixture(t, "../testdata/plans/csam_verified.yaml")
	planner := enforcement.NewPlanner(policy.Default())
	a, err := planner.Plan(context.Background(), f.Case)
	require.NoError(t, err)
	later := f.Case
	later.Group.Created = f.Case.Now.Add(-time.Hour)
	b, err := planner.Plan(context.Background(), later)
	require.NoError(t, err)
	wrapped := later
	// The same UnixNano, 2^64 ns later.
	wrapped.Group.Created = time.Unix(0, later.Group.Created.UnixNano()).Add(-time.Duration(math.MaxInt64)).Add(-time.Duration(math.MaxInt64)).Add(-2)
	require.Equal(t, later.Group.Created.UnixNano(), wrapped.Group.Created.UnixNano(), "UnixNano cannot tell them apart")
	c, err := planner.Plan(context.Background(), wrapped)
	require.NoError(t, err)
	assert.NotEqual(t, a.ID, b.ID)
	assert.NotEqual(t, b.ID, c.ID)
}

// Inputs set through the Go API that JSON cannot write, or whose sums
// overflow, are refused with a problem naming the field and the limit.
func TestPlanRefusesWhatCannotBeWritten(t *testing.T) {
	f := loadPlanFixture(t, "../testdata/plans/csam_verified.yaml")
	planner := enforcement.NewPlanner(policy.Default())
	for _, tt := range []struct {
		name string
		edit func(gc *enforcement.GroupCase)
		path string
		code policy.Code
	}{
		{"now after 9999", func(gc *enforcement.GroupCase) { gc.Now = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "now", enforcement.CodeTimeRange},
		{"evidence kept after 9999", func(gc *enforcement.GroupCase) {
			*gc = moveCase(*gc, 0, 9999-gc.Now.Year())
		}, "now", enforcement.CodeTimeRange},
		{"history before year 1", func(gc *enforcement.GroupCase) {
			gc.Members = slices.Clone(gc.Members)
			gc.Members[1].Account.History = []policy.Record{{At: time.Date(0, 6, 1, 0, 0, 0, 0, time.UTC), Penalty: policy.PenaltyWarn}}
		}, "members[1].account.history[0].at", enforcement.CodeTimeRange},
		{"review in year 12000", func(gc *enforcement.GroupCase) {
			gc.Violations = slices.Clone(gc.Violations)
			gc.Violations[0].Reviews = []policy.Review{{Reviewer: "r", Verdict: policy.VerdictConfirmed, At: time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)}}
		}, "violations[0].reviews[0].at", enforcement.CodeTimeRange},
		{"zone offset of 25 hours", func(gc *enforcement.GroupCase) { gc.Now = gc.Now.In(time.FixedZone("x", 25*3600)) }, "now", enforcement.CodeTimeRange},
		{"account type 7", func(gc *enforcement.GroupCase) {
			gc.Members = slices.Clone(gc.Members)
			gc.Members[2].Account.Type = 7
		}, "members[2].account.type", enforcement.CodeEnum},
		{"asset kind 9", func(gc *enforcement.GroupCase) {
			gc.Members = slices.Clone(gc.Members)
			gc.Members[0].Account.Holdings = []policy.Holding{{Kind: 9, Amount: 1, Currency: "CNY"}}
		}, "members[0].account.holdings[0].kind", enforcement.CodeEnum},
		{"an amount of MaxInt64", func(gc *enforcement.GroupCase) {
			gc.Members = slices.Clone(gc.Members)
			gc.Members[0].Account.Holdings = []policy.Holding{{Amount: math.MaxInt64, Currency: "CNY"}, {Amount: math.MaxInt64, Currency: "CNY"}}
		}, "members[0].account.holdings[0].amount", enforcement.CodeAmount},
		{"holdings whose sum overflows", func(gc *enforcement.GroupCase) {
			gc.Members = slices.Clone(gc.Members)
			for i := range gc.Members {
				gc.Members[i].Account.Holdings = slices.Repeat([]policy.Holding{{Amount: enforcement.MaxAmount, Currency: "CNY"}}, enforcement.MaxHoldings)
			}
			for i := range 16 {
				gc.Members = append(gc.Members, policy.Membership{Role: policy.RoleMember, Account: policy.Account{ID: string(rune('m' + i)),
					Holdings: slices.Repeat([]policy.Holding{{Amount: enforcement.MaxAmount, Currency: "CNY"}}, enforcement.MaxHoldings)}})
			}
			gc.Group.Members = len(gc.Members)
		}, "", enforcement.CodeAmount},
		{"too many holdings", func(gc *enforcement.GroupCase) {
			gc.Members = slices.Clone(gc.Members)
			gc.Members[3].Account.Holdings = make([]policy.Holding, enforcement.MaxHoldings+1)
		}, "members[3].account.holdings", enforcement.CodeLimit},
		{"too many members", func(gc *enforcement.GroupCase) {
			gc.Members = make([]policy.Membership, enforcement.MaxMembers+1)
		}, "members", policy.CodeTooMany}, // the engine's limit
	} {
		t.Run(tt.name, func(t *testing.T) {
			gc := f.Case
			tt.edit(&gc)
			plan, err := planner.Plan(context.Background(), gc)
			require.Error(t, err)
			assert.Nil(t, plan)
			assert.ErrorIs(t, err, enforcement.ErrInvalidGroupCase)
			assert.Equal(t, tt.code, policy.CodeOf(err), "%v", err)
			if path, _ := policy.PathOf(err); tt.path != "" {
				assert.Equal(t, tt.path, path)
			}
		})
	}
}

// Every plan of hostile cases with times and amounts across their whole
// range either is refused or is written as JSON and read back the same.
func TestPlansAlwaysSerialise(t *testing.T) {
	planner := enforcement.NewPlanner(policy.Default())
	cfg := synth.Default
	cfg.Groups = 400
	rng := rand.New(rand.NewPCG(11, 12))
	planned, refused := 0, 0
	for gc := range synth.Cases(cfg) {
		// Anywhere from year 1 to year 10,500.
		at := time.Date(1+rng.IntN(10500), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		d := at.Sub(gc.Now)
		if at.Year() > 2200 || at.Year() < 1800 {
			d = time.Duration(0) // Sub saturates beyond ±292 years; move by years instead
		}
		gc = moveCase(gc, d, at.Year()-gc.Now.Year())
		gc.Members = slices.Clone(gc.Members)
		for i := range gc.Members {
			a := &gc.Members[i].Account
			a.Holdings = slices.Clone(a.Holdings)
			for j := range a.Holdings {
				a.Holdings[j].Amount = rng.Int64N(enforcement.MaxAmount + 2)
			}
		}
		plan, err := planner.Plan(context.Background(), gc)
		if err != nil {
			require.ErrorIs(t, err, enforcement.ErrInvalidGroupCase)
			refused++
			continue
		}
		b, err := json.Marshal(plan)
		require.NoError(t, err, "plan at %s", gc.Now)
		var back enforcement.Plan
		require.NoError(t, json.Unmarshal(b, &back))
		assert.Equal(t, plan.ID, back.ID)
		planned++
	}
	assert.Positive(t, planned)
	assert.Positive(t, refused)
}

// moveCase moves every time of a case by d, or by years when d is zero.
func moveCase(gc enforcement.GroupCase, d time.Duration, years int) enforcement.GroupCase {
	move := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		if d != 0 {
			return t.Add(d)
		}
		return t.AddDate(years, 0, 0)
	}
	gc.Now, gc.Group.Created = move(gc.Now), move(gc.Group.Created)
	vs := slices.Clone(gc.Violations)
	for i := range vs {
		v := &vs[i]
		v.Committed, v.Detected = move(v.Committed), move(v.Detected)
		v.Reviews = slices.Clone(v.Reviews)
		for j := range v.Reviews {
			v.Reviews[j].At = move(v.Reviews[j].At)
		}
		v.Evidence.Identifications = slices.Clone(v.Evidence.Identifications)
		for j := range v.Evidence.Identifications {
			v.Evidence.Identifications[j].At = move(v.Evidence.Identifications[j].At)
		}
		v.Evidence.Reports = slices.Clone(v.Evidence.Reports)
		for j := range v.Evidence.Reports {
			v.Evidence.Reports[j].At = move(v.Evidence.Reports[j].At)
		}
	}
	gc.Violations = vs
	ms := slices.Clone(gc.Members)
	for i := range ms {
		a := &ms[i].Account
		a.Created = move(a.Created)
		a.History = slices.Clone(a.History)
		for j := range a.History {
			a.History[j].At = move(a.History[j].At)
		}
	}
	gc.Members = ms
	return gc
}

// A campaign builds only the group part of each plan, and leaves the
// account actions to the account plans; a case whose account measure would
// end after year 9999 is still refused, with the same error as Plan gives
// for it (the action numbered as in the whole plan), and so is every case
// that Plan refuses for a time.
func TestCampaignRefusesWhatPlanRefuses(t *testing.T) {
	src, err := os.ReadFile("../policy/default.yaml")
	require.NoError(t, err)
	// Measures of a century, so that one can end after year 9999 while the
	// evidence before it, kept a year, does not.
	long := regexp.MustCompile(`duration: \d+[dh]`).ReplaceAll(src, []byte("duration: 36500d"))
	engine, err := policy.Compile("long.yaml", long)
	require.NoError(t, err)
	cfg := synth.Default
	cfg.Groups = 300
	timed, checked := 0, 0
	for _, e := range []*policy.Engine{engine, policy.Default()} {
		planner := enforcement.NewPlanner(e)
		for gc := range synth.Cases(cfg) {
			for _, years := range []int{9990 - gc.Now.Year(), 9999 - gc.Now.Year()} {
				moved := moveCase(gc, 0, years)
				_, planErr := planner.Plan(context.Background(), moved)
				_, runErr := planner.Run(context.Background(), enforcement.Campaign{Name: "c"}, slices.Values([]enforcement.GroupCase{moved}))
				if planErr == nil {
					assert.NoError(t, runErr)
					continue
				}
				checked++
				if strings.Contains(planErr.Error(), "-account)") {
					timed++
				}
				require.Error(t, runErr, "%s: Plan refuses it: %v", gc.Group.ID, planErr)
				assert.ErrorIs(t, runErr, enforcement.ErrInvalidGroupCase)
				assert.True(t, strings.HasSuffix(runErr.Error(), ": "+planErr.Error()), "Run: %v\nPlan: %v", runErr, planErr)
			}
		}
	}
	assert.Positive(t, timed, "some cases are refused for an account measure")
	assert.Positive(t, checked-timed, "some cases are refused for their evidence")
}
