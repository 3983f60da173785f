package policy_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/policy"
)

func ownerCase() policy.Case {
	return benchCases()["account-owner-csam"]
}

func TestDecideRefusesMalformedCases(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(c *policy.Case)
		field string
	}{
		{"no target", func(c *policy.Case) { c.Target = 0 }, "target"},
		{"no time", func(c *policy.Case) { c.Now = time.Time{} }, "now"},
		{"no group id", func(c *policy.Case) { c.Group.ID = "" }, "group.id"},
		{"no owner", func(c *policy.Case) { c.Group.Owner = "" }, "group.owner"},
		{"negative members", func(c *policy.Case) { c.Group.Members = -1 }, "group.members"},
		{"no account", func(c *policy.Case) { c.Account = nil }, "account"},
		{"account id too long", func(c *policy.Case) { c.Account = &policy.Account{ID: strings.Repeat("x", 300)} }, "account.id"},
		{"role contradicts group", func(c *policy.Case) { c.Role = policy.RoleMember }, "role"},
		{"account on a group target", func(c *policy.Case) { c.Target = policy.TargetGroup }, "account"},
		{"no violations", func(c *policy.Case) { c.Violations = nil }, "violations"},
		{"unknown category", func(c *policy.Case) { c.Violations[0].Category = "csma" }, "violations[0].category"},
		{"no severity", func(c *policy.Case) { c.Violations[0].Severity = 0 }, "violations[0].severity"},
		{"duplicate violation", func(c *policy.Case) { c.Violations = append(c.Violations, c.Violations[0]) }, "violations[1].id"},
		{"other group", func(c *policy.Case) { c.Violations[0].Group = "g2" }, "violations[0].group"},
		{"confidence above 1", func(c *policy.Case) { c.Violations[0].Evidence.Identifications[0].Confidence = 1.5 }, "violations[0].evidence.identifications[0].confidence"},
		{"anonymous review", func(c *policy.Case) { c.Violations[0].Reviews[0].Reviewer = "" }, "violations[0].reviews[0].reviewer"},
		{"bad history", func(c *policy.Case) {
			c.Account = &policy.Account{ID: "owner", History: []policy.Record{{Penalty: 9}}}
		}, "account.history[0].penalty"},
		{"holder with surrounding space", func(c *policy.Case) { c.Account = &policy.Account{ID: "owner", Holder: "Li Wei "} }, "account.holder"},
		{"holder with a control character", func(c *policy.Case) { c.Account = &policy.Account{ID: "owner", Holder: "Li\nWei"} }, "account.holder"},
		{"holder too long", func(c *policy.Case) { c.Account = &policy.Account{ID: "owner", Holder: strings.Repeat("x", 300)} }, "account.holder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ownerCase()
			c.Violations = append([]policy.Violation(nil), c.Violations...)
			c.Violations[0].Evidence.Identifications = append([]policy.Identification(nil), c.Violations[0].Evidence.Identifications...)
			c.Violations[0].Reviews = append([]policy.Review(nil), c.Violations[0].Reviews...)
			tt.edit(&c)
			d, err := policy.Default().Decide(context.Background(), c)
			require.Error(t, err)
			assert.ErrorIs(t, err, policy.ErrInvalidCase)
			assert.Contains(t, err.Error(), tt.field+":")
			assert.Zero(t, d, "an error means no decision")
		})
	}
}

func TestDecideHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d, err := policy.Default().Decide(ctx, ownerCase())
	require.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, d)
}

func TestDecideIsSafeForConcurrentUse(t *testing.T) {
	engine := policy.Default()
	cases := benchCases()
	want := map[string]policy.Decision{}
	for name, c := range cases {
		d, err := engine.Decide(context.Background(), c)
		require.NoError(t, err)
		want[name] = d
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			var into policy.Decision // each goroutine its own, as DecideInto asks
			for range 50 {
				for name, c := range cases {
					d, err := engine.Decide(context.Background(), c)
					assert.NoError(t, err)
					assert.Equal(t, want[name], d, name)
					if g%2 == 0 {
						assert.NoError(t, engine.DecideInto(context.Background(), &c, &into))
						assert.Equal(t, want[name].Matches, into.Matches, name)
						assert.Equal(t, want[name].Penalty, into.Penalty, name)
					}
				}
			}
		})
	}
	wg.Wait()
}

func TestDecisionCarriesPolicyAndTime(t *testing.T) {
	engine := policy.Default()
	d, err := engine.Decide(context.Background(), ownerCase())
	require.NoError(t, err)
	assert.Equal(t, engine.Policy(), d.Policy)
	assert.Equal(t, benchNow, d.At)
	assert.Equal(t, policy.PenaltyBan, d.Penalty)
	assert.True(t, d.Verified)
	assert.Equal(t, "csam", d.Category)
	assert.NotEmpty(t, d.Reason)
	assert.Equal(t, "contractual", d.Ground.Kind)
	assert.Equal(t, engine.Appeal(), d.Appeal)
	assert.GreaterOrEqual(t, time.Duration(d.Appeal.Window), 183*24*time.Hour)
}

func TestDigestIsSHA256OfCanonicalForm(t *testing.T) {
	src := policy.DefaultSource()
	a, err := policy.Compile("a.yaml", src)
	require.NoError(t, err)
	b, err := policy.Compile("b.yaml", append([]byte("# a comment changes nothing\n"), src...))
	require.NoError(t, err)
	sum := sha256.Sum256(a.Canonical())
	assert.Equal(t, hex.EncodeToString(sum[:]), a.Policy().Digest)
	assert.Equal(t, a.Policy().Digest, b.Policy().Digest, "comments and file names are not part of the policy")

	changed, err := policy.Compile("c.yaml", []byte(strings.Replace(string(src), "duration: 90d", "duration: 60d", 1)))
	require.NoError(t, err)
	assert.NotEqual(t, a.Policy().Digest, changed.Policy().Digest)
}

func TestDecisionRoundTripsThroughJSONAndYAML(t *testing.T) {
	d, err := policy.Default().Decide(context.Background(), benchCases()["account-member-spam"])
	require.NoError(t, err)
	require.NotEmpty(t, d.Matches)

	j, err := json.Marshal(d)
	require.NoError(t, err)
	var fromJSON policy.Decision
	require.NoError(t, json.Unmarshal(j, &fromJSON))
	assert.Equal(t, d, fromJSON)

	y, err := yaml.Marshal(d)
	require.NoError(t, err)
	var fromYAML policy.Decision
	require.NoError(t, yaml.Unmarshal(y, &fromYAML))
	assert.Equal(t, d.Penalty, fromYAML.Penalty)
	assert.Equal(t, d.Duration, fromYAML.Duration)
	assert.Equal(t, d.Matches, fromYAML.Matches)
	assert.True(t, d.At.Equal(fromYAML.At))
}

// A rule over the runtime cost limit is recorded as an error of the
// decision and does not count; the decision is still taken.
func TestCostLimitRecordsRuleError(t *testing.T) {
	src := []byte(`name: costly
version: "1"
appeal: {route: help}
categories: [{name: spam, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC}]
rules:
  - id: cheap
    target: account
    when: subject.is_actor
    penalty: warn
    message: '"warned"'
    ground: {kind: contractual, reference: terms}
  - id: costly
    target: account
    when: subject.is_actor && [1, 2, 3, 4, 5, 6, 7, 8].all(x, x > 0) && subject.id.startsWith("m")
    penalty: suspend
    duration: 1d
    message: '"suspended"'
    ground: {kind: contractual, reference: terms}
`)
	c := benchCases()["account-member-spam"]
	c.Violations = []policy.Violation{benchViolation("spam", policy.SeverityHigh, "member")}

	free, err := policy.Compile("costly.yaml", src)
	require.NoError(t, err)
	d, err := free.Decide(context.Background(), c)
	require.NoError(t, err)
	assert.Equal(t, policy.PenaltySuspend, d.Penalty)
	assert.Empty(t, d.Errors)

	limited, err := policy.Compile("costly.yaml", src, policy.WithCostLimit(5))
	require.NoError(t, err)
	d, err = limited.Decide(context.Background(), c)
	require.NoError(t, err)
	assert.Equal(t, policy.PenaltyWarn, d.Penalty, "the costly rule does not count")
	require.Len(t, d.Errors, 1)
	assert.Equal(t, "costly", d.Errors[0].Rule)
	assert.Contains(t, d.Errors[0].Message, "cost")
}

func TestEnumsRoundTripAsText(t *testing.T) {
	type texter interface {
		MarshalText() ([]byte, error)
		String() string
	}
	check := func(t *testing.T, v texter, parse func(string) (texter, error)) {
		b, err := v.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, v.String(), string(b))
		back, err := parse(string(b))
		require.NoError(t, err)
		assert.Equal(t, v, back)
	}
	for s := policy.SeverityLow; s <= policy.SeverityCritical; s++ {
		check(t, s, func(x string) (texter, error) { return policy.ParseSeverity(x) })
	}
	for p := policy.PenaltyNone; p <= policy.PenaltyClose; p++ {
		check(t, p, func(x string) (texter, error) { return policy.ParsePenalty(x) })
	}
	for r := policy.RoleOwner; r <= policy.RoleMember; r++ {
		check(t, r, func(x string) (texter, error) { return policy.ParseRole(x) })
	}
	for _, tg := range []policy.Target{policy.TargetAccount, policy.TargetGroup} {
		check(t, tg, func(x string) (texter, error) { return policy.ParseTarget(x) })
	}

	var sev policy.Severity
	err := sev.UnmarshalText([]byte("severe"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown severity "severe"`)
	assert.False(t, policy.Severity(0).IsValid(), "the zero severity is not valid")
	assert.False(t, policy.Role(0).IsValid(), "the zero role is not valid")
	assert.True(t, policy.PenaltyNone.IsValid(), "the zero penalty is none")
	assert.Equal(t, policy.PenaltyBan.Level(), policy.PenaltyClose.Level())
	assert.True(t, policy.PenaltyBan.AppliesTo(policy.TargetAccount))
	assert.False(t, policy.PenaltyBan.AppliesTo(policy.TargetGroup))
	assert.False(t, policy.PenaltyClose.AppliesTo(policy.TargetAccount))
}

func TestDuration(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
		out  string
	}{
		{"30d", 30 * 24 * time.Hour, "30d"},
		{"72h", 72 * time.Hour, "3d"},
		{"90m", 90 * time.Minute, "1h30m0s"},
		{"0s", 0, "0s"},
	} {
		d, err := policy.ParseDuration(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, time.Duration(d), tt.in)
		assert.Equal(t, tt.out, d.String(), tt.in)
	}
	for _, bad := range []string{"", "d", "-1h", "3 days", "1.5d", "99999999d"} {
		_, err := policy.ParseDuration(bad)
		assert.Error(t, err, bad)
	}
}

func TestVerifiedNeedsBothJudgments(t *testing.T) {
	t0 := benchNow
	ident := policy.Evidence{Identifications: []policy.Identification{{Method: policy.MethodClassifier, Confidence: 0.9}}}
	confirm := func(at time.Time) policy.Review {
		return policy.Review{Reviewer: "r1", Verdict: policy.VerdictConfirmed, At: at}
	}
	reject := func(at time.Time) policy.Review {
		return policy.Review{Reviewer: "r2", Verdict: policy.VerdictRejected, At: at}
	}
	for _, tt := range []struct {
		name string
		v    policy.Violation
		want bool
	}{
		{"identification and confirmation", policy.Violation{Evidence: ident, Reviews: []policy.Review{confirm(t0)}}, true},
		{"identification only", policy.Violation{Evidence: ident}, false},
		{"confirmation only", policy.Violation{Reviews: []policy.Review{confirm(t0)}}, false},
		{"reports do not replace identification", policy.Violation{
			Evidence: policy.Evidence{Reports: []policy.Report{{Source: policy.SourceAuthority}}},
			Reviews:  []policy.Review{confirm(t0)}}, false},
		{"later rejection wins", policy.Violation{Evidence: ident, Reviews: []policy.Review{confirm(t0), reject(t0.Add(time.Hour))}}, false},
		{"later confirmation wins", policy.Violation{Evidence: ident, Reviews: []policy.Review{reject(t0), confirm(t0.Add(time.Hour))}}, true},
		{"order in the list does not matter", policy.Violation{Evidence: ident, Reviews: []policy.Review{confirm(t0.Add(time.Hour)), reject(t0)}}, true},
		{"same time: the later listed wins", policy.Violation{Evidence: ident, Reviews: []policy.Review{confirm(t0), reject(t0)}}, false},
	} {
		assert.Equal(t, tt.want, tt.v.VerifiedAt(time.Time{}), tt.name)
	}
}

func TestCompileErrorsAreFoundByErrorsAs(t *testing.T) {
	_, err := policy.Compile("x.yaml", []byte("name: x\nversion: 1\nrules: []\nbogus: 1\n"))
	require.Error(t, err)
	var list policy.ErrorList
	require.True(t, errors.As(err, &list))
	var first *policy.Error
	require.True(t, errors.As(err, &first))
	assert.Equal(t, list[0], first)
	codes := []policy.Code{}
	for _, e := range list {
		codes = append(codes, e.Code)
		assert.Equal(t, "x.yaml", e.File)
	}
	assert.Contains(t, codes, policy.CodeUnknownKey)
	assert.Contains(t, codes, policy.CodeMissingField)
	assert.Contains(t, codes, policy.CodeMissingAppealRoute)
}

func TestRulesListsTheDefaultPolicy(t *testing.T) {
	rules := policy.Default().Rules()
	require.Len(t, rules, 11)
	assert.Equal(t, policy.RuleInfo{ID: "focus-group-close", Target: policy.TargetGroup,
		Description: "A group where child sexual abuse material or personal-information trafficking is verified is closed.",
		Partition:   &policy.Partition{Fields: []string{"violation.category"}}}, rules[0])
	// The shipped policy is decided by its partition entirely: no residual.
	for _, r := range rules {
		require.NotNil(t, r.Partition, r.ID)
		assert.False(t, r.Partition.Fallback, r.ID)
		assert.Empty(t, r.Partition.Residuals, r.ID)
	}
	assert.Equal(t, "other-leader-responsibility", rules[9].ID)
	assert.Equal(t, "other-actor-high", rules[10].ID)
}

// TestResidualsPrintAsCEL: the residuals the rule info shows are CEL a rule
// author can read, comprehensions included, never a placeholder for an
// expression the printer could not write back.
func TestResidualsPrintAsCEL(t *testing.T) {
	src, err := os.ReadFile("testdata/casespace.yaml")
	require.NoError(t, err)
	e, err := policy.Compile("casespace.yaml", src)
	require.NoError(t, err)
	var comprehension bool
	for _, r := range e.Rules() {
		require.NotNil(t, r.Partition, r.ID)
		for _, res := range r.Partition.Residuals {
			assert.NotContains(t, res, "<", "%s: %s", r.ID, res)
			comprehension = comprehension || strings.Contains(res, ".exists(x, x > violation.reports)")
		}
	}
	assert.True(t, comprehension, "the test policy's comprehension shows in a residual")
}

// A decision waits for review only when the review could make it heavier:
// an unverified match asking for the same measure as the verified winner
// leaves nothing to wait for.
func TestPendingOnlyWhenReviewCouldWeigh(t *testing.T) {
	src := []byte(`name: pending
version: "1"
appeal: {route: help}
categories: [{name: spam, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC}]
rules:
  - id: first
    target: account
    when: subject.is_actor && violation.severity == severity.high
    penalty: suspend
    duration: 7d
    message: '"first"'
    ground: {kind: contractual, reference: terms}
  - id: second
    target: account
    when: subject.is_actor && violation.severity == severity.medium
    penalty: suspend
    duration: 7d
    message: '"second"'
    ground: {kind: contractual, reference: terms}
`)
	e, err := policy.Compile("pending.yaml", src)
	require.NoError(t, err)
	verified := benchViolation("spam", policy.SeverityMedium, "member")
	unverified := benchViolation("spam", policy.SeverityHigh, "member")
	unverified.ID, unverified.Reviews = "v2", nil
	c := policy.Case{Target: policy.TargetAccount, Group: benchGroup, Account: &policy.Account{ID: "member"},
		Violations: []policy.Violation{verified, unverified}, Now: benchNow}
	d, err := e.Decide(context.Background(), c)
	require.NoError(t, err)
	assert.Equal(t, policy.PenaltySuspend, d.Penalty)
	assert.Equal(t, "second", d.Rule)
	assert.False(t, d.PendingReview, "a review could not make it heavier")

	c.Violations[1].Severity = policy.SeverityHigh
	unverifiedLonger := strings.Replace(string(src), "duration: 7d\n    message: '\"first\"'", "duration: 30d\n    message: '\"first\"'", 1)
	e, err = policy.Compile("pending.yaml", []byte(unverifiedLonger))
	require.NoError(t, err)
	d, err = e.Decide(context.Background(), c)
	require.NoError(t, err)
	assert.Equal(t, "second", d.Rule)
	assert.True(t, d.PendingReview, "a review could make it 30 days")
}
