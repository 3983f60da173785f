package enforcement_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/enforcement/enforcementtest"
	"github.com/groupwarden/warden/examples/synth"
	"github.com/groupwarden/warden/policy"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/plans")

type planFixture struct {
	Reason string                `yaml:"reason"`
	Case   enforcement.GroupCase `yaml:"case"`
}

func loadPlanFixture(t *testing.T, path string) planFixture {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var f planFixture
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	require.NoError(t, dec.Decode(&f), path)
	require.NotEmpty(t, f.Reason, "%s: a fixture says why it exists", path)
	return f
}

func planJSON(t *testing.T, p *enforcement.Plan) []byte {
	t.Helper()
	b, err := json.MarshalIndent(p, "", "  ")
	require.NoError(t, err)
	return append(b, '\n')
}

// TestPlanGolden compares each plan of testdata/plans with its golden file;
// go test -update rewrites them.
func TestPlanGolden(t *testing.T) {
	paths, err := filepath.Glob("../testdata/plans/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	planner := enforcement.NewPlanner(policy.Default())
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f := loadPlanFixture(t, path)
			plan, err := planner.Plan(context.Background(), f.Case)
			require.NoError(t, err)
			checkPlan(t, policy.Default(), f.Case, plan)
			got := planJSON(t, plan)
			golden := strings.TrimSuffix(path, ".yaml") + ".golden.json"
			if *update {
				require.NoError(t, os.WriteFile(golden, got, 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test ./enforcement -update to create it")
			assert.Equal(t, string(want), string(got))
		})
	}
}

func TestPlanCSAMVerified(t *testing.T) {
	f := loadPlanFixture(t, "../testdata/plans/csam_verified.yaml")
	plan, err := enforcement.NewPlanner(policy.Default()).Plan(context.Background(), f.Case)
	require.NoError(t, err)

	assert.Equal(t, policy.PenaltyClose, plan.GroupDecision.Penalty)
	penalties := map[string]policy.Penalty{}
	for _, d := range plan.Decisions {
		penalties[d.Subject] = d.Penalty
	}
	assert.Equal(t, map[string]policy.Penalty{"alice": policy.PenaltyBan, "bob": policy.PenaltyBan, "carol": policy.PenaltyBan}, penalties)
	require.Len(t, plan.Spared, 1)
	assert.Equal(t, "dave", plan.Spared[0].Account)
	assert.Contains(t, plan.Spared[0].Reason, "not punished with the group")

	kinds := []enforcement.ActionKind{}
	for _, a := range plan.Actions {
		kinds = append(kinds, a.Kind)
	}
	assert.Equal(t, []enforcement.ActionKind{
		enforcement.PreserveEvidence, enforcement.ReportToAuthority,
		enforcement.FreezeFunds, enforcement.FreezeFunds, // alice and carol hold funds; bob holds none
		enforcement.BanAccount, enforcement.BanAccount, enforcement.BanAccount,
		enforcement.CloseGroup,
		enforcement.Notify, enforcement.Notify, enforcement.Notify, enforcement.Notify,
	}, kinds)

	require.Len(t, plan.Obligations, 2)
	assert.Equal(t, enforcement.ObligationReport, plan.Obligations[0].Kind)
	assert.Equal(t, enforcement.ObligationRetain, plan.Obligations[1].Kind)
	assert.False(t, plan.Obligations[1].Until.Before(f.Case.Now.AddDate(1, 0, 0)), "evidence is kept at least a year")

	notice := func(to string) enforcement.Notice {
		i := slices.IndexFunc(plan.Notices, func(n enforcement.Notice) bool { return n.To == to })
		require.GreaterOrEqual(t, i, 0, to)
		return plan.Notices[i]
	}
	assert.Equal(t, enforcement.AudienceLeaders, notice("alice").Audience)
	assert.Contains(t, notice("alice").Text(), "was closed")
	assert.Equal(t, enforcement.AudienceActors, notice("carol").Audience)
	assert.Contains(t, notice("carol").Text(), "You committed: v-csam-1 (csam)")
	carolFunds := notice("carol").Funds
	require.Len(t, carolFunds, 2, "a ban notice tells the holder how to recover each asset")
	assert.Equal(t, "customer-service hotline", carolFunds[0].Channel)
	assert.Equal(t, "online application", carolFunds[1].Channel)
	assert.Contains(t, notice("carol").Text(), "Your funds are safe")
	assert.Empty(t, notice("dave").Funds, "no ban, nothing frozen")
	dave := notice("dave")
	assert.Equal(t, enforcement.AudienceMembers, dave.Audience)
	assert.Equal(t, policy.PenaltyNone, dave.Penalty)
	assert.Contains(t, dave.Text(), "not punished with their group")
	assert.Empty(t, dave.Appeal.Route, "a notice without a penalty has nothing to appeal")
}

func TestPlanUnverifiedHoldsBackReportAndFreeze(t *testing.T) {
	f := loadPlanFixture(t, "../testdata/plans/csam_unverified.yaml")
	plan, err := enforcement.NewPlanner(policy.Default()).Plan(context.Background(), f.Case)
	require.NoError(t, err)
	assert.Equal(t, policy.PenaltyRestrict, plan.GroupDecision.Penalty)
	assert.Equal(t, []string{"g-unverified", "heidi", "ivan"}, plan.PendingReview)
	assert.Empty(t, plan.Obligations, "nothing is reported before a person confirms it")
	for _, a := range plan.Actions {
		assert.NotEqual(t, enforcement.FreezeFunds, a.Kind)
		assert.NotEqual(t, enforcement.ReportToAuthority, a.Kind)
	}
}

// checkPlan asserts the promises every plan keeps.
func checkPlan(t *testing.T, engine *policy.Engine, gc enforcement.GroupCase, p *enforcement.Plan) {
	t.Helper()
	phase := func(k enforcement.ActionKind) int {
		switch k {
		case enforcement.PreserveEvidence:
			return 0
		case enforcement.ReportToAuthority:
			return 1
		case enforcement.FreezeFunds:
			return 2
		case enforcement.BanAccount, enforcement.SuspendAccount, enforcement.RestrictAccount, enforcement.WarnAccount:
			return 3
		case enforcement.CloseGroup, enforcement.SuspendGroup, enforcement.RestrictGroup, enforcement.WarnGroup:
			return 4
		case enforcement.Notify:
			return 5
		}
		t.Fatalf("plan has undo action %s among its actions", k)
		return -1
	}
	keys := map[string]bool{}
	for i, a := range p.Actions {
		require.Equal(t, i+1, a.Seq)
		require.True(t, strings.HasPrefix(a.Key, p.ID), "keys derive from the plan")
		require.False(t, keys[a.Key], "duplicate key %s", a.Key)
		keys[a.Key] = true
		if i > 0 {
			require.LessOrEqual(t, phase(p.Actions[i-1].Kind), phase(a.Kind), "actions out of order at %d", a.Seq)
		}
		switch a.Kind {
		case enforcement.PreserveEvidence, enforcement.ReportToAuthority, enforcement.Notify:
			require.Nil(t, a.Undo, "%s cannot be undone", a.Kind)
		default:
			require.NotNil(t, a.Undo, "%s has an undo", a.Kind)
			require.Equal(t, a.Subject, a.Undo.Subject)
		}
		if a.Kind == enforcement.FreezeFunds {
			require.Equal(t, enforcement.ReleaseFunds, a.Undo.Kind, "frozen funds are released, never forfeited")
		}
	}
	if p.GroupDecision.Penalty != policy.PenaltyNone && len(p.Held) == 0 {
		require.Len(t, p.Notices, len(gc.Members), "every member is told what happened to the group")
	}
	for _, d := range p.Decisions {
		require.True(t, slices.ContainsFunc(p.Notices, func(n enforcement.Notice) bool { return n.To == d.Subject }), "every penalised account is told")
	}
	for _, n := range p.Notices {
		if n.Penalty != policy.PenaltyNone {
			require.NotEmpty(t, n.Reasons, "a penalty notice carries its reasons")
			require.NotEmpty(t, n.Appeal.Route, "a penalty notice carries the appeal route")
			require.Contains(t, n.Text(), n.Appeal.Route)
		}
	}
	require.Equal(t, len(gc.Members), len(p.Decisions)+len(p.Spared)+len(p.Held))
	require.Equal(t, len(p.Decisions), p.Touched)
	require.Equal(t, p.Touched > engine.BlastRadius(), p.NeedsSecondApproval)
	for _, s := range p.Spared {
		require.NotEmpty(t, s.Reason)
	}
	for _, v := range gc.Violations {
		c, _ := engine.Category(v.Category)
		if v.VerifiedAt(gc.Now) && slices.Contains(c.DSAKeywords, "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL") {
			require.True(t, slices.ContainsFunc(p.Obligations, func(o enforcement.Obligation) bool {
				return o.Kind == enforcement.ObligationRetain && o.Violation == v.ID && !o.Until.Before(gc.Now.AddDate(1, 0, 0))
			}), "verified CSAM %s is kept a year", v.ID)
		}
	}
}

// TestPlansKeepTheirPromises checks every plan of a synthetic campaign.
func TestPlansKeepTheirPromises(t *testing.T) {
	engine := policy.Default()
	planner := enforcement.NewPlanner(engine)
	cfg := synth.Default
	cfg.Groups = 400
	n := 0
	for gc := range synth.Cases(cfg) {
		p, err := planner.Plan(context.Background(), gc)
		require.NoError(t, err)
		checkPlan(t, engine, gc, p)
		n++
	}
	assert.Equal(t, 400, n)
}

func TestPlanIsDeterministic(t *testing.T) {
	f := loadPlanFixture(t, "../testdata/plans/csam_verified.yaml")
	a, err := enforcement.NewPlanner(policy.Default()).Plan(context.Background(), f.Case)
	require.NoError(t, err)
	b, err := enforcement.NewPlanner(policy.Default()).Plan(context.Background(), f.Case)
	require.NoError(t, err)
	assert.Equal(t, planJSON(t, a), planJSON(t, b))

	later := f.Case
	later.Now = later.Now.Add(time.Minute)
	c, err := enforcement.NewPlanner(policy.Default()).Plan(context.Background(), later)
	require.NoError(t, err)
	assert.NotEqual(t, a.ID, c.ID, "another time is another plan")
}

func TestPlanRefusesMalformedMembers(t *testing.T) {
	f := loadPlanFixture(t, "../testdata/plans/pii_medium.yaml")
	planner := enforcement.NewPlanner(policy.Default())
	for name, edit := range map[string]func(gc *enforcement.GroupCase){
		"duplicate member": func(gc *enforcement.GroupCase) { gc.Members = append(gc.Members, gc.Members[0]) },
		"no role":          func(gc *enforcement.GroupCase) { gc.Members[2].Role = 0 },
		"wrong role":       func(gc *enforcement.GroupCase) { gc.Members[2].Role = policy.RoleAdmin },
		"negative funds": func(gc *enforcement.GroupCase) {
			gc.Members[1].Account.Holdings = []policy.Holding{{Amount: -1, Currency: "CNY"}}
		},
		"no violations": func(gc *enforcement.GroupCase) { gc.Violations = nil },
	} {
		t.Run(name, func(t *testing.T) {
			gc := f.Case
			gc.Members = slices.Clone(gc.Members)
			edit(&gc)
			p, err := planner.Plan(context.Background(), gc)
			require.Error(t, err)
			assert.Nil(t, p)
		})
	}
}

func TestBlastRadiusNeedsSecondApproval(t *testing.T) {
	src := strings.Replace(string(policy.DefaultSource()), "blast_radius: 500", "blast_radius: 2", 1)
	engine, err := policy.Compile("small-radius.yaml", []byte(src))
	require.NoError(t, err)
	f := loadPlanFixture(t, "../testdata/plans/csam_verified.yaml")
	plan, err := enforcement.NewPlanner(engine).Plan(context.Background(), f.Case)
	require.NoError(t, err)
	require.Equal(t, 3, plan.Touched)
	require.True(t, plan.NeedsSecondApproval)

	ex := &enforcementtest.Executor{}
	_, err = enforcement.Apply(context.Background(), plan, ex)
	require.ErrorIs(t, err, enforcement.ErrNeedsApproval)
	assert.Empty(t, ex.Log(), "nothing is applied without the approval")

	require.Error(t, plan.Approve(""))
	require.NoError(t, plan.Approve("lead-reviewer"))
	pr, err := enforcement.Apply(context.Background(), plan, ex)
	require.NoError(t, err)
	assert.Equal(t, len(plan.Actions), pr.Applied)
}

// Two different cases never share a plan id, so never an action key: a
// re-plan of the group with another member list applies its own actions.
func TestDifferentCasesNeverShareKeys(t *testing.T) {
	f := loadPlanFixture(t, "../testdata/plans/csam_verified.yaml")
	planner := enforcement.NewPlanner(policy.Default())
	a, err := planner.Plan(context.Background(), f.Case)
	require.NoError(t, err)
	other := f.Case
	other.Members = slices.Clone(f.Case.Members[:3])
	other.Group.Members = 3
	b, err := planner.Plan(context.Background(), other)
	require.NoError(t, err)
	assert.NotEqual(t, a.ID, b.ID)
	ex := &enforcementtest.Executor{}
	_, err = enforcement.Apply(context.Background(), a, ex)
	require.NoError(t, err)
	pr, err := enforcement.Apply(context.Background(), b, ex)
	require.NoError(t, err)
	assert.Equal(t, len(b.Actions), pr.Applied, "nothing of the second plan counts as done")

	reviewed := f.Case
	reviewed.Violations = slices.Clone(f.Case.Violations)
	reviewed.Violations[0].Reviews = append(slices.Clone(reviewed.Violations[0].Reviews),
		policy.Review{Reviewer: "reviewer-8", Verdict: policy.VerdictConfirmed, At: f.Case.Now.Add(-time.Minute)})
	c, err := planner.Plan(context.Background(), reviewed)
	require.NoError(t, err)
	assert.NotEqual(t, a.ID, c.ID, "another review is another case")
}

// The plan judges CSAM as of its time, as the engine does: a review made
// after the decision does not take the report or the year of retention away.
func TestCSAMIsJudgedAsOfThePlan(t *testing.T) {
	f := loadPlanFixture(t, "../testdata/plans/csam_verified.yaml")
	gc := f.Case
	gc.Violations = slices.Clone(gc.Violations)
	gc.Violations[0].Reviews = append(slices.Clone(gc.Violations[0].Reviews),
		policy.Review{Reviewer: "reviewer-9", Verdict: policy.VerdictRejected, At: gc.Now.Add(24 * time.Hour)})
	plan, err := enforcement.NewPlanner(policy.Default()).Plan(context.Background(), gc)
	require.NoError(t, err)
	require.Len(t, plan.Obligations, 2)
	assert.Equal(t, gc.Now.AddDate(1, 0, 0), plan.Obligations[1].Until, "a calendar year")
}

// A member whose violation a reviewer rejected is not told they committed it.
func TestNoticesDoNotAccuseOnRejectedViolations(t *testing.T) {
	f := loadPlanFixture(t, "../testdata/plans/csam_verified.yaml")
	gc := f.Case
	gc.Violations = slices.Clone(gc.Violations)
	gc.Violations[0].Reviews = []policy.Review{{Reviewer: "reviewer-7", Verdict: policy.VerdictRejected, At: gc.Now.Add(-time.Hour)}}
	plan, err := enforcement.NewPlanner(policy.Default()).Plan(context.Background(), gc)
	require.NoError(t, err)
	for _, n := range plan.Notices {
		assert.Empty(t, n.Acts, n.To)
		assert.Empty(t, n.UnderReview, n.To)
		assert.NotContains(t, n.Text(), "committed")
	}
	assert.Empty(t, plan.Decisions, "nothing follows from a rejected violation")
}

func TestAmountUsesTheCurrencysDecimals(t *testing.T) {
	assert.Equal(t, "CNY 1250.00", enforcement.Amount("CNY", 125000))
	assert.Equal(t, "JPY 100000", enforcement.Amount("JPY", 100000))
	assert.Equal(t, "KWD 1.250", enforcement.Amount("KWD", 1250))
	assert.Equal(t, "EUR -0.05", enforcement.Amount("EUR", -5))
}
