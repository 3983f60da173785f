package dsa_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/enforcement/dsa"
	"github.com/groupwarden/warden/examples/synth"
	"github.com/groupwarden/warden/policy"
)

// The reference examples (copied from the DSA reference into testdata/dsa)
// are statements the database accepts.
const examples = "../../testdata/dsa/"

func decodeStrict(t *testing.T, data []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(v))
}

func TestReferenceExamplesValidate(t *testing.T) {
	single, err := os.ReadFile(examples + "example_statement.json")
	require.NoError(t, err)
	var s dsa.Statement
	decodeStrict(t, single, &s)
	require.NoError(t, s.Validate())
	assert.Equal(t, "DECISION_ACCOUNT_TERMINATED", s.DecisionAccount)
	assert.Nil(t, s.EndDateAccountRestriction, "null end date means indefinite")

	multi, err := os.ReadFile(examples + "example_multi_statements.json")
	require.NoError(t, err)
	var b dsa.Batch
	decodeStrict(t, multi, &b)
	require.Len(t, b.Statements, 10)
	require.NoError(t, b.Validate())
}

func validStatement(t *testing.T) dsa.Statement {
	t.Helper()
	data, err := os.ReadFile(examples + "example_statement.json")
	require.NoError(t, err)
	var s dsa.Statement
	decodeStrict(t, data, &s)
	return s
}

func strp(s string) *string { return &s }

// problemPaths returns the path of each problem of err, which must be
// policy.Problems.
func problemPaths(t *testing.T, err error) []string {
	t.Helper()
	var ps policy.Problems
	require.ErrorAs(t, err, &ps)
	var out []string
	for _, p := range ps {
		out = append(out, p.Path)
	}
	return out
}

// variation is an edit of a valid statement that Validate must refuse
// with a problem at field.
type variation struct {
	name  string
	edit  func(s *dsa.Statement)
	field string
}

// rejectedFor checks that Validate refuses each variation for its field.
func rejectedFor(t *testing.T, vs []variation) {
	for _, tt := range vs {
		t.Run(tt.name, func(t *testing.T) {
			s := validStatement(t)
			tt.edit(&s)
			err := s.Validate()
			require.Error(t, err)
			assert.Contains(t, problemPaths(t, err), tt.field, "want a problem at %s, got %v", tt.field, err)
		})
	}
}

// Each variation breaks one rule of the reference document and must be
// rejected for the right field.
func TestInvalidVariationsAreRejectedForTheirField(t *testing.T) {
	rejectedFor(t, []variation{
		{"no decision at all", func(s *dsa.Statement) {
			s.DecisionVisibility, s.DecisionMonetary, s.DecisionProvision, s.DecisionAccount = nil, "", "", ""
		}, "decision_visibility"},
		{"unknown visibility", func(s *dsa.Statement) { s.DecisionVisibility = []string{"DECISION_VISIBILITY_HIDDEN"} }, "decision_visibility[0]"},
		{"visibility other without text", func(s *dsa.Statement) { s.DecisionVisibility = []string{"DECISION_VISIBILITY_OTHER"} }, "decision_visibility_other"},
		{"visibility other text without other", func(s *dsa.Statement) { s.DecisionVisibilityOther = "x" }, "decision_visibility_other"},
		{"monetary other without text", func(s *dsa.Statement) { s.DecisionMonetary = "DECISION_MONETARY_OTHER" }, "decision_monetary_other"},
		{"unknown monetary", func(s *dsa.Statement) { s.DecisionMonetary = "DECISION_MONETARY_SEIZED" }, "decision_monetary"},
		{"unknown provision", func(s *dsa.Statement) { s.DecisionProvision = "DECISION_PROVISION_SOME" }, "decision_provision"},
		{"unknown account decision", func(s *dsa.Statement) { s.DecisionAccount = "DECISION_ACCOUNT_BANNED" }, "decision_account"},
		{"unknown account type", func(s *dsa.Statement) { s.AccountType = "ACCOUNT_TYPE_GOVERNMENT" }, "account_type"},
		{"no ground", func(s *dsa.Statement) { s.DecisionGround = "" }, "decision_ground"},
		{"incompatible without its ground", func(s *dsa.Statement) { s.IncompatibleContentGround = "" }, "incompatible_content_ground"},
		{"incompatible without explanation", func(s *dsa.Statement) { s.IncompatibleContentExplanation = "" }, "incompatible_content_explanation"},
		{"illegal fields with incompatible ground", func(s *dsa.Statement) { s.IllegalContentLegalGround = "law" }, "illegal_content_legal_ground"},
		{"illegal ground without legal ground", func(s *dsa.Statement) {
			s.DecisionGround = "DECISION_GROUND_ILLEGAL_CONTENT"
			s.IncompatibleContentGround, s.IncompatibleContentExplanation, s.IncompatibleContentIllegal = "", "", ""
			s.IllegalContentExplanation = "why"
		}, "illegal_content_legal_ground"},
		{"incompatible_illegal with illegal ground", func(s *dsa.Statement) {
			s.DecisionGround = "DECISION_GROUND_ILLEGAL_CONTENT"
			s.IncompatibleContentGround, s.IncompatibleContentExplanation = "", ""
			s.IllegalContentLegalGround, s.IllegalContentExplanation = "law", "why"
		}, "incompatible_content_illegal"},
		{"incompatible_illegal not yes or no", func(s *dsa.Statement) { s.IncompatibleContentIllegal = "Maybe" }, "incompatible_content_illegal"},
		{"explanation too long", func(s *dsa.Statement) { s.IncompatibleContentExplanation = strings.Repeat("x", 2001) }, "incompatible_content_explanation"},
		{"no content type", func(s *dsa.Statement) { s.ContentType = nil }, "content_type"},
		{"content type other without text", func(s *dsa.Statement) { s.ContentType = []string{"CONTENT_TYPE_OTHER"} }, "content_type_other"},
		{"no category", func(s *dsa.Statement) { s.Category = "" }, "category"},
		{"category from before July 2025", func(s *dsa.Statement) { s.Category = "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT" }, "category"},
		{"old keyword", func(s *dsa.Statement) { s.CategorySpecification = []string{"KEYWORD_DANGEROUS_TOYS"} }, "category_specification[0]"},
		{"bad addition", func(s *dsa.Statement) { s.CategoryAddition = []string{"STATEMENT_CATEGORY_NONE"} }, "category_addition[0]"},
		{"country outside the EEA", func(s *dsa.Statement) { s.TerritorialScope = []string{"US"} }, "territorial_scope[0]"},
		{"lower-case language", func(s *dsa.Statement) { s.ContentLanguage = "sv" }, "content_language"},
		{"content date too early", func(s *dsa.Statement) { s.ContentDate = "1999-12-31" }, "content_date"},
		{"application date too early", func(s *dsa.Statement) { s.ApplicationDate = "2019-12-31" }, "application_date"},
		{"application date not a date", func(s *dsa.Statement) { s.ApplicationDate = "08/12/2025" }, "application_date"},
		{"end date after 2038", func(s *dsa.Statement) { s.EndDateAccountRestriction = strp("2038-01-02") }, "end_date_account_restriction"},
		{"no facts", func(s *dsa.Statement) { s.DecisionFacts = "" }, "decision_facts"},
		{"facts too long", func(s *dsa.Statement) { s.DecisionFacts = strings.Repeat("x", 5001) }, "decision_facts"},
		{"no source type", func(s *dsa.Statement) { s.SourceType = "" }, "source_type"},
		{"source identity with voluntary", func(s *dsa.Statement) {
			s.SourceType, s.SourceIdentity = "SOURCE_VOLUNTARY", "a notifier"
		}, "source_identity"},
		{"notifier of child sexual abuse material named", func(s *dsa.Statement) {
			s.SourceType, s.SourceIdentity = "SOURCE_TRUSTED_FLAGGER", "a hotline"
			s.CategorySpecification = []string{"KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL"}
		}, "source_identity"},
		{"automated detection not yes or no", func(s *dsa.Statement) { s.AutomatedDetection = "yes" }, "automated_detection"},
		{"unknown automated decision", func(s *dsa.Statement) { s.AutomatedDecision = "AUTOMATED_DECISION_MOSTLY" }, "automated_decision"},
		{"no puid", func(s *dsa.Statement) { s.PUID = "" }, "puid"},
		{"puid with a space", func(s *dsa.Statement) { s.PUID = "a b" }, "puid"},
		{"puid too long", func(s *dsa.Statement) { s.PUID = strings.Repeat("a", 501) }, "puid"},
		{"content id other key", func(s *dsa.Statement) { s.ContentID = map[string]string{"ISBN": "1"} }, "content_id"},
		{"content id not 13 digits", func(s *dsa.Statement) { s.ContentID = map[string]string{"EAN-13": "123"} }, "content_id.EAN-13"},
		{"reference url not a url", func(s *dsa.Statement) { s.DecisionGroundReferenceURL = "terms" }, "decision_ground_reference_url"},
		{"reference url without a host", func(s *dsa.Statement) { s.DecisionGroundReferenceURL = "https://" }, "decision_ground_reference_url"},
		{"reference url with a space", func(s *dsa.Statement) { s.DecisionGroundReferenceURL = "https://example.com/terms of service" }, "decision_ground_reference_url"},
		{"reference url with a tag", func(s *dsa.Statement) { s.DecisionGroundReferenceURL = "https://example.com/<script>" }, "decision_ground_reference_url"},
		{"reference url of another scheme", func(s *dsa.Statement) { s.DecisionGroundReferenceURL = "javascript:alert(1)" }, "decision_ground_reference_url"},
		{"blank facts", func(s *dsa.Statement) { s.DecisionFacts = "   " }, "decision_facts"},
		{"blank puid", func(s *dsa.Statement) { s.PUID = " " }, "puid"},
		{"second content type unknown", func(s *dsa.Statement) { s.ContentType = []string{"CONTENT_TYPE_TEXT", "CONTENT_TYPE_HOLOGRAM"} }, "content_type[1]"},
	})
}

func TestBatchLimits(t *testing.T) {
	s := validStatement(t)
	statements := make([]dsa.Statement, 230)
	for i := range statements {
		statements[i] = s
		statements[i].PUID = "p-" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "-" + strings.Repeat("y", i/26)
	}
	batches := dsa.Batches(statements)
	require.Len(t, batches, 3)
	assert.Len(t, batches[0].Statements, 100)
	assert.Len(t, batches[2].Statements, 30)
	for _, b := range batches {
		require.NoError(t, b.Validate())
	}
	assert.Equal(t, dsa.CodeBatchSize, policy.CodeOf(dsa.Batch{}.Validate()))
	assert.Equal(t, []string{"statements"}, problemPaths(t, dsa.Batch{Statements: statements[:101]}.Validate()))
	blank := s
	blank.PUID = " " + s.PUID + " " // the database trims before it compares
	dup := dsa.Batch{Statements: []dsa.Statement{s, blank}}
	err := dup.Validate()
	assert.Equal(t, []string{"statements[1].puid"}, problemPaths(t, err))
	assert.Equal(t, dsa.CodeDuplicatePUID, policy.CodeOf(err))
	bad := s
	bad.DecisionFacts = " "
	assert.Equal(t, []string{"statements[2].decision_facts"}, problemPaths(t, dsa.Batch{Statements: []dsa.Statement{statements[0], statements[1], bad}}.Validate()))
}

// Every statement built from a synthetic campaign validates, puids are
// unique and stable, and no statement names an account.
func TestBuiltStatementsValidate(t *testing.T) {
	planner := enforcement.NewPlanner(policy.Default())
	cfg := synth.Default
	cfg.Groups = 500
	seen := map[string]bool{}
	kinds := map[string]int{}
	n := 0
	for gc := range synth.Cases(cfg) {
		plan, err := planner.Plan(context.Background(), gc)
		require.NoError(t, err)
		statements, err := dsa.FromPlan(plan, policy.Default())
		require.NoError(t, err)
		again, err := dsa.FromPlan(plan, policy.Default())
		require.NoError(t, err)
		require.Equal(t, statements, again, "the same decision gives the same statement")
		for _, s := range statements {
			require.NoError(t, s.Validate())
			require.False(t, seen[s.PUID], "puid %s repeats", s.PUID)
			seen[s.PUID] = true
			raw, err := json.Marshal(s)
			require.NoError(t, err)
			for _, m := range gc.Members {
				require.NotContains(t, string(raw), m.Account.ID, "a statement carries no account id")
			}
			kinds[s.DecisionAccount+"/"+s.DecisionProvision]++
			n++
		}
		penalised := 0
		for _, d := range plan.Decisions {
			if d.Penalty != policy.PenaltyWarn {
				penalised++
			}
		}
		require.GreaterOrEqual(t, len(statements), penalised, "every restricted account has a statement")
	}
	require.Greater(t, n, 200)
	assert.Positive(t, kinds["DECISION_ACCOUNT_TERMINATED/"])
	assert.Positive(t, kinds["DECISION_ACCOUNT_TERMINATED/DECISION_PROVISION_TOTAL_TERMINATION"])
	assert.Positive(t, kinds["DECISION_ACCOUNT_SUSPENDED/DECISION_PROVISION_TOTAL_TERMINATION"])
	for _, b := range dsa.Batches(nil) {
		require.NoError(t, b.Validate())
	}
}

func TestPUIDDependsOnTheKey(t *testing.T) {
	cfg := synth.Default
	cfg.Groups, cfg.FocusShare = 30, 1
	planner := enforcement.NewPlanner(policy.Default())
	for gc := range synth.Cases(cfg) {
		plan, err := planner.Plan(context.Background(), gc)
		require.NoError(t, err)
		a, err := (&dsa.Builder{PUIDKey: []byte("secret-a")}).FromPlan(plan, policy.Default())
		require.NoError(t, err)
		b, err := (&dsa.Builder{PUIDKey: []byte("secret-b")}).FromPlan(plan, policy.Default())
		require.NoError(t, err)
		require.Equal(t, len(a), len(b))
		for i := range a {
			assert.NotEqual(t, a[i].PUID, b[i].PUID)
		}
	}
}

// The database trims every string before it validates and reads a blank
// one as null: a padded key asks for what the key asks for, and a blank
// value is absent. Each variation is refused there, so Validate refuses it
// too, for its field.
func TestValidateReadsValuesTrimmed(t *testing.T) {
	rejectedFor(t, []variation{
		{"padded ground without its texts", func(s *dsa.Statement) {
			s.DecisionGround = " DECISION_GROUND_INCOMPATIBLE_CONTENT"
			s.IncompatibleContentGround, s.IncompatibleContentExplanation, s.IncompatibleContentIllegal = "", "", ""
		}, "incompatible_content_ground"},
		{"padded illegal ground without its texts", func(s *dsa.Statement) {
			s.DecisionGround = "DECISION_GROUND_ILLEGAL_CONTENT\t"
			s.IncompatibleContentGround, s.IncompatibleContentExplanation, s.IncompatibleContentIllegal = "", "", ""
		}, "illegal_content_explanation"},
		{"the only decision blank", func(s *dsa.Statement) {
			s.DecisionVisibility, s.DecisionProvision, s.DecisionAccount, s.DecisionMonetary = nil, "", "", " "
		}, "decision_visibility"},
		{"blank incompatible_content_illegal", func(s *dsa.Statement) { s.IncompatibleContentIllegal = " " }, "incompatible_content_illegal"},
		{"padded visibility other without text", func(s *dsa.Statement) {
			s.DecisionVisibility = []string{" DECISION_VISIBILITY_OTHER"}
		}, "decision_visibility_other"},
		{"padded monetary other without text", func(s *dsa.Statement) { s.DecisionMonetary = "DECISION_MONETARY_OTHER " }, "decision_monetary_other"},
		{"padded content type other without text", func(s *dsa.Statement) { s.ContentType = []string{"CONTENT_TYPE_OTHER\n"} }, "content_type_other"},
		{"blank content type", func(s *dsa.Statement) { s.ContentType = []string{" "} }, "content_type[0]"},
		{"blank second visibility", func(s *dsa.Statement) {
			s.DecisionVisibility = []string{"DECISION_VISIBILITY_CONTENT_REMOVED", ""}
		}, "decision_visibility[1]"},
		{"padded voluntary source with an identity", func(s *dsa.Statement) {
			s.SourceType, s.SourceIdentity = " SOURCE_VOLUNTARY", "a notifier"
		}, "source_identity"},
		{"notifier of padded child sexual abuse keyword named", func(s *dsa.Statement) {
			s.SourceIdentity = "a hotline"
			s.CategorySpecification = []string{"KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL "}
		}, "source_identity"},
	})
	// Padding alone, which the database trims away, is accepted.
	s := validStatement(t)
	s.DecisionGround, s.Category, s.ContentType = " "+s.DecisionGround+" ", s.Category+"\n", []string{" CONTENT_TYPE_AUDIO"}
	require.NoError(t, s.Validate())
	assert.Equal(t, " "+validStatement(t).DecisionGround+" ", s.DecisionGround, "Validate leaves the statement as it is")
}
