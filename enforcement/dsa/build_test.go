package dsa_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/enforcement/dsa"
	"github.com/groupwarden/warden/examples/synth"
	"github.com/groupwarden/warden/policy"
)

func loadCase(t *testing.T, name string) enforcement.GroupCase {
	t.Helper()
	data, err := os.ReadFile("../../testdata/plans/" + name)
	require.NoError(t, err)
	var f struct {
		Reason string                `yaml:"reason"`
		Case   enforcement.GroupCase `yaml:"case"`
	}
	require.NoError(t, yaml.Unmarshal(data, &f))
	// The fixtures are dated 2017; the database takes decisions from 2020.
	return shift(f.Case, 9*365*24*time.Hour)
}

// shift moves every time of a case by d.
func shift(gc enforcement.GroupCase, d time.Duration) enforcement.GroupCase {
	gc.Now = gc.Now.Add(d)
	vs := make([]policy.Violation, len(gc.Violations))
	for i, v := range gc.Violations {
		move := func(t time.Time) time.Time {
			if t.IsZero() {
				return t
			}
			return t.Add(d)
		}
		v.Committed, v.Detected = move(v.Committed), move(v.Detected)
		v.Reviews = append([]policy.Review(nil), v.Reviews...)
		for j := range v.Reviews {
			v.Reviews[j].At = move(v.Reviews[j].At)
		}
		vs[i] = v
	}
	gc.Violations = vs
	return gc
}

// A policy whose messages read the account, the group, the violation and a
// phone number gives statements that carry none of them: the statement
// text never quotes a rule's message.
func TestStatementsNameNobody(t *testing.T) {
	src, err := os.ReadFile("../../policy/default.yaml")
	require.NoError(t, err)
	leaky := strings.ReplaceAll(string(src), "message: >-\n      \"", `message: >-
      subject.id + " in " + group.id + " for " + violation.id + ", call +49 170 5550123: " + "`)
	leaky = strings.ReplaceAll(leaky, `message: '"`, `message: 'subject.id + " " + violation.id + " +49 170 5550123 " + "`)
	e, err := policy.Compile("leaky.yaml", []byte(leaky))
	require.NoError(t, err)
	planner := enforcement.NewPlanner(e)
	secrets := []string{"5550123"}
	n, leaks := 0, 0
	check := func(gc enforcement.GroupCase) {
		plan, err := planner.Plan(context.Background(), gc)
		require.NoError(t, err)
		statements, err := dsa.FromPlan(plan, e)
		require.NoError(t, err)
		ids := append([]string{gc.Group.ID}, secrets...)
		for _, m := range gc.Members {
			ids = append(ids, m.Account.ID)
		}
		for _, v := range gc.Violations {
			ids = append(ids, v.ID)
			for _, r := range v.Reviews {
				ids = append(ids, r.Reviewer)
			}
		}
		for _, d := range plan.Decisions {
			if strings.Contains(d.Reason, "5550123") && strings.Contains(d.Reason, d.Subject) {
				leaks++
			}
		}
		for _, s := range statements {
			raw, err := json.Marshal(s)
			require.NoError(t, err)
			for _, id := range ids {
				require.NotContains(t, string(raw), id, "statement %s", raw)
			}
			n++
		}
	}
	for _, f := range []string{"csam_verified.yaml", "pii_medium.yaml", "repeat_offender.yaml"} {
		check(loadCase(t, f))
	}
	cfg := synth.Default
	cfg.Groups = 300
	for gc := range synth.Cases(cfg) {
		// Long, unlikely ids, so that a match can only be a leak.
		gc = renamed(gc)
		check(gc)
	}
	require.Greater(t, n, 100)
	require.Greater(t, leaks, 100, "the policy's messages do carry the secrets")
}

// renamed gives every id of the case a long unique form.
func renamed(gc enforcement.GroupCase) enforcement.GroupCase {
	name := func(s string) string {
		if s == "" {
			return s
		}
		return "ID" + strings.ToUpper(strings.ReplaceAll(s, "-", "Q")) + "ZZ"
	}
	gc.Group.ID, gc.Group.Owner = name(gc.Group.ID), name(gc.Group.Owner)
	admins := make([]string, len(gc.Group.Admins))
	for i, a := range gc.Group.Admins {
		admins[i] = name(a)
	}
	gc.Group.Admins = admins
	members := make([]policy.Membership, len(gc.Members))
	for i, m := range gc.Members {
		m.Account.ID = name(m.Account.ID)
		members[i] = m
	}
	gc.Members = members
	vs := make([]policy.Violation, len(gc.Violations))
	for i, v := range gc.Violations {
		v.ID, v.Actor = name(v.ID), name(v.Actor)
		if v.Group != "" {
			v.Group = name(v.Group)
		}
		vs[i] = v
	}
	gc.Violations = vs
	return gc
}

// Ids that hold the old separator cannot make two decisions share a puid.
func TestPUIDIsInjective(t *testing.T) {
	plan, err := enforcement.NewPlanner(policy.Default()).Plan(context.Background(), loadCase(t, "csam_verified.yaml"))
	require.NoError(t, err)
	a, b := *plan, *plan
	a.Decisions = append([]policy.Decision(nil), plan.Decisions...)
	b.Decisions = append([]policy.Decision(nil), plan.Decisions...)
	a.ID, a.Decisions[0].Subject = "plan-x", "a|b"
	b.ID, b.Decisions[0].Subject = "plan-x|a", "b"
	sa, err := dsa.FromPlan(&a, policy.Default())
	require.NoError(t, err)
	sb, err := dsa.FromPlan(&b, policy.Default())
	require.NoError(t, err)
	assert.NotEqual(t, sa[0].PUID, sb[0].PUID)
}

// A suspension that ends after the last date the database accepts is sent
// as indefinite, and the facts tell when it really ends; the plan's other
// statements are kept.
func TestSuspensionAfter2038(t *testing.T) {
	gc := loadCase(t, "pii_medium.yaml")
	at := time.Date(2037, 12, 1, 8, 0, 0, 0, time.UTC) // the owner is suspended for 90 days
	gc = shift(gc, at.Sub(gc.Now))
	plan, err := enforcement.NewPlanner(policy.Default()).Plan(context.Background(), gc)
	require.NoError(t, err)
	statements, err := dsa.FromPlan(plan, policy.Default())
	require.NoError(t, err)
	require.Len(t, statements, 2, "the owner's suspension and the administrator's ban")
	var owner *dsa.Statement
	for i := range statements {
		if statements[i].DecisionAccount == "DECISION_ACCOUNT_SUSPENDED" {
			owner = &statements[i]
		}
	}
	require.NotNil(t, owner)
	assert.Nil(t, owner.EndDateAccountRestriction, "the database reads no end date as indefinite")
	assert.Contains(t, owner.DecisionFacts, "until 2038-03-01")
	require.NoError(t, dsa.Batch{Statements: statements}.Validate())

	// A plan after the last date the database accepts cannot be submitted
	// at all: a problem names the field.
	gc = shift(gc, 60*24*time.Hour)
	plan, err = enforcement.NewPlanner(policy.Default()).Plan(context.Background(), gc)
	require.NoError(t, err)
	_, err = dsa.FromPlan(plan, policy.Default())
	require.Error(t, err)
	assert.Equal(t, dsa.CodeDate, policy.CodeOf(err))
	path, _ := policy.PathOf(err)
	assert.Equal(t, "statements[0].application_date", path)
}

// The measure a statement quotes is the measure taken: a ban lowered by a
// guard is never described as a ban.
func TestStatementQuotesTheMeasureTaken(t *testing.T) {
	cfg := synth.Default
	cfg.Groups = 800
	planner := enforcement.NewPlanner(policy.Default())
	lowered := 0
	for gc := range synth.Cases(cfg) {
		plan, err := planner.Plan(context.Background(), gc)
		require.NoError(t, err)
		statements, err := dsa.FromPlan(plan, policy.Default())
		require.NoError(t, err)
		for _, s := range statements {
			text := s.DecisionFacts + " " + s.IllegalContentExplanation + s.IncompatibleContentExplanation
			switch s.DecisionAccount {
			case "DECISION_ACCOUNT_SUSPENDED":
				assert.Contains(t, s.DecisionFacts, "The account was given the measure suspension of the account for ")
			case "DECISION_ACCOUNT_TERMINATED":
				assert.Contains(t, s.DecisionFacts, "The account was given the measure permanent termination of the account.")
			case "":
				assert.NotContains(t, s.DecisionFacts, "The account was given the measure permanent termination")
				assert.NotContains(t, s.DecisionFacts, "The account was given the measure suspension")
			}
			assert.NotContains(t, text, "Your account", "a statement does not quote a notice")
			if strings.Contains(text, "instead") {
				lowered++
			}
		}
	}
	assert.Positive(t, lowered, "some statements tell of a measure a guard lowered")
}

func TestValidURL(t *testing.T) {
	for _, u := range []string{"https://example.com", "http://example.com:8080/terms?lang=en#s-4", "https://xn--bcher-kva.example/ä", "https://192.0.2.1/t", "https://user:pw@example.com/"} {
		assert.True(t, dsa.ValidURL(u), u)
	}
	for _, u := range []string{"", "https://", "https:// example.com", "https://example.com/a b", "https://example.com/<script>", "ftp//example.com", "example.com", "https://example.com/\"x\""} {
		assert.False(t, dsa.ValidURL(u), u)
	}
}
