// Package dsa builds statements of reasons in the format of the EU DSA
// Transparency Database (Art. 17 and 24(5) of Regulation (EU) 2022/2065)
// from enforcement plans, and validates them by the database's rules.
//
// Field names and values are exactly the database's. Statements carry no
// personal data: the puid is a keyed hash, and the facts name roles,
// categories and measures, never accounts.
package dsa

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/groupwarden/warden/internal/dsa"
)

// Statement is one statement of reasons. Optional fields are omitted when
// empty; date fields are "2006-01-02" strings, and nil end dates mean an
// indefinite restriction.
type Statement struct {
	DecisionVisibility             []string          `json:"decision_visibility,omitempty"`
	DecisionVisibilityOther        string            `json:"decision_visibility_other,omitempty"`
	DecisionMonetary               string            `json:"decision_monetary,omitempty"`
	DecisionMonetaryOther          string            `json:"decision_monetary_other,omitempty"`
	DecisionProvision              string            `json:"decision_provision,omitempty"`
	DecisionAccount                string            `json:"decision_account,omitempty"`
	AccountType                    string            `json:"account_type,omitempty"`
	DecisionGround                 string            `json:"decision_ground"`
	DecisionGroundReferenceURL     string            `json:"decision_ground_reference_url,omitempty"`
	IllegalContentLegalGround      string            `json:"illegal_content_legal_ground,omitempty"`
	IllegalContentExplanation      string            `json:"illegal_content_explanation,omitempty"`
	IncompatibleContentGround      string            `json:"incompatible_content_ground,omitempty"`
	IncompatibleContentExplanation string            `json:"incompatible_content_explanation,omitempty"`
	IncompatibleContentIllegal     string            `json:"incompatible_content_illegal,omitempty"`
	ContentType                    []string          `json:"content_type"`
	ContentTypeOther               string            `json:"content_type_other,omitempty"`
	Category                       string            `json:"category"`
	CategoryAddition               []string          `json:"category_addition,omitempty"`
	CategorySpecification          []string          `json:"category_specification,omitempty"`
	CategorySpecificationOther     string            `json:"category_specification_other,omitempty"`
	TerritorialScope               []string          `json:"territorial_scope,omitempty"`
	ContentLanguage                string            `json:"content_language,omitempty"`
	ContentDate                    string            `json:"content_date"`
	ApplicationDate                string            `json:"application_date"`
	EndDateAccountRestriction      *string           `json:"end_date_account_restriction,omitempty"`
	EndDateMonetaryRestriction     *string           `json:"end_date_monetary_restriction,omitempty"`
	EndDateServiceRestriction      *string           `json:"end_date_service_restriction,omitempty"`
	EndDateVisibilityRestriction   *string           `json:"end_date_visibility_restriction,omitempty"`
	DecisionFacts                  string            `json:"decision_facts"`
	SourceType                     string            `json:"source_type"`
	SourceIdentity                 string            `json:"source_identity,omitempty"`
	AutomatedDetection             string            `json:"automated_detection"`
	AutomatedDecision              string            `json:"automated_decision"`
	PUID                           string            `json:"puid"`
	ContentID                      map[string]string `json:"content_id,omitempty"`
	// PlatformName and Permalink appear in statements the database returns;
	// a submission may leave them out.
	PlatformName string `json:"platform_name,omitempty"`
	Permalink    string `json:"permalink,omitempty"`
}

// FieldError is a rule of the database that one field breaks.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error renders the error as field: message.
func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// ValidationError lists every rule a statement or batch breaks.
type ValidationError []FieldError

// Error lists every broken rule.
func (v ValidationError) Error() string {
	msgs := make([]string, len(v))
	for i, e := range v {
		msgs[i] = e.Error()
	}
	return "dsa: invalid statement: " + strings.Join(msgs, "; ")
}

// Has reports whether a rule on the named field is broken.
func (v ValidationError) Has(field string) bool {
	return slices.ContainsFunc(v, func(e FieldError) bool { return e.Field == field })
}

var (
	puidRE  = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)
	ean13RE = regexp.MustCompile(`^[0-9]{13}$`)
)

// The database's date bounds.
var (
	minContentDate     = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	minApplicationDate = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDate            = time.Date(2038, 1, 1, 0, 0, 0, 0, time.UTC)
)

type checker struct{ errs ValidationError }

func (c *checker) fail(field, format string, args ...any) {
	c.errs = append(c.errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) oneOf(field, list, value string) {
	if value != "" && !dsa.Has(list, value) {
		c.fail(field, "%q is not an accepted value", value)
	}
}

func (c *checker) allOf(field, list string, values []string) {
	for _, v := range values {
		c.oneOf(field, list, v)
	}
}

func (c *checker) maxLen(field, value string, n int) {
	if len([]rune(value)) > n {
		c.fail(field, "longer than %d characters", n)
	}
}

func (c *checker) required(field, value string) bool {
	if value == "" {
		c.fail(field, "required")
		return false
	}
	return true
}

// otherText checks a free-text field that must be present exactly when an
// OTHER value is chosen.
func (c *checker) otherText(field, value string, chosen bool) {
	switch {
	case chosen && value == "":
		c.fail(field, "required with the OTHER value")
	case !chosen && value != "":
		c.fail(field, "must be absent unless the OTHER value is chosen")
	}
	c.maxLen(field, value, 500)
}

func (c *checker) date(field, value string, lo time.Time) {
	t, err := time.Parse(time.DateOnly, value)
	switch {
	case err != nil:
		c.fail(field, "%q is not a Y-m-d date", value)
	case t.Before(lo) || t.After(maxDate):
		c.fail(field, "%s is outside %s … %s", value, lo.Format(time.DateOnly), maxDate.Format(time.DateOnly))
	}
}

// Validate checks the statement against every rule of the database and
// returns a ValidationError listing each field that breaks one.
func (s *Statement) Validate() error {
	c := &checker{}
	if len(s.DecisionVisibility) == 0 && s.DecisionMonetary == "" && s.DecisionProvision == "" && s.DecisionAccount == "" {
		c.fail("decision_visibility", "one of decision_visibility, decision_monetary, decision_provision or decision_account is required")
	}
	c.allOf("decision_visibility", "DECISION_VISIBILITIES", s.DecisionVisibility)
	c.otherText("decision_visibility_other", s.DecisionVisibilityOther, slices.Contains(s.DecisionVisibility, "DECISION_VISIBILITY_OTHER"))
	c.oneOf("decision_monetary", "DECISION_MONETARIES", s.DecisionMonetary)
	c.otherText("decision_monetary_other", s.DecisionMonetaryOther, s.DecisionMonetary == "DECISION_MONETARY_OTHER")
	c.oneOf("decision_provision", "DECISION_PROVISIONS", s.DecisionProvision)
	c.oneOf("decision_account", "DECISION_ACCOUNTS", s.DecisionAccount)
	c.oneOf("account_type", "ACCOUNT_TYPES", s.AccountType)

	if c.required("decision_ground", s.DecisionGround) {
		c.oneOf("decision_ground", "DECISION_GROUNDS", s.DecisionGround)
	}
	c.maxLen("decision_ground_reference_url", s.DecisionGroundReferenceURL, 500)
	if u := s.DecisionGroundReferenceURL; u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		c.fail("decision_ground_reference_url", "%q is not a URL", u)
	}
	illegal := s.DecisionGround == "DECISION_GROUND_ILLEGAL_CONTENT"
	incompatible := s.DecisionGround == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
	groundText := func(field, value string, with bool, n int) {
		switch {
		case with && value == "":
			c.fail(field, "required with %s", s.DecisionGround)
		case !with && value != "":
			c.fail(field, "must be absent with %s", s.DecisionGround)
		}
		c.maxLen(field, value, n)
	}
	groundText("illegal_content_legal_ground", s.IllegalContentLegalGround, illegal, 500)
	groundText("illegal_content_explanation", s.IllegalContentExplanation, illegal, 2000)
	groundText("incompatible_content_ground", s.IncompatibleContentGround, incompatible, 500)
	groundText("incompatible_content_explanation", s.IncompatibleContentExplanation, incompatible, 2000)
	if s.IncompatibleContentIllegal != "" {
		c.oneOf("incompatible_content_illegal", "INCOMPATIBLE_CONTENT_ILLEGALS", s.IncompatibleContentIllegal)
		if !incompatible {
			c.fail("incompatible_content_illegal", "only with DECISION_GROUND_INCOMPATIBLE_CONTENT")
		}
	}

	if len(s.ContentType) == 0 {
		c.fail("content_type", "required")
	}
	c.allOf("content_type", "CONTENT_TYPES", s.ContentType)
	c.otherText("content_type_other", s.ContentTypeOther, slices.Contains(s.ContentType, "CONTENT_TYPE_OTHER"))
	if c.required("category", s.Category) {
		c.oneOf("category", "STATEMENT_CATEGORIES", s.Category)
	}
	c.allOf("category_addition", "STATEMENT_CATEGORIES", s.CategoryAddition)
	c.allOf("category_specification", "KEYWORDS", s.CategorySpecification)
	c.maxLen("category_specification_other", s.CategorySpecificationOther, 500)
	c.allOf("territorial_scope", "COUNTRIES", s.TerritorialScope)
	c.oneOf("content_language", "LANGUAGES", s.ContentLanguage)

	if c.required("content_date", s.ContentDate) {
		c.date("content_date", s.ContentDate, minContentDate)
	}
	if c.required("application_date", s.ApplicationDate) {
		c.date("application_date", s.ApplicationDate, minApplicationDate)
	}
	for field, d := range map[string]*string{
		"end_date_account_restriction":    s.EndDateAccountRestriction,
		"end_date_monetary_restriction":   s.EndDateMonetaryRestriction,
		"end_date_service_restriction":    s.EndDateServiceRestriction,
		"end_date_visibility_restriction": s.EndDateVisibilityRestriction,
	} {
		if d != nil {
			c.date(field, *d, time.Time{})
		}
	}

	if c.required("decision_facts", s.DecisionFacts) {
		c.maxLen("decision_facts", s.DecisionFacts, 5000)
	}
	if c.required("source_type", s.SourceType) {
		c.oneOf("source_type", "SOURCE_TYPES", s.SourceType)
	}
	c.maxLen("source_identity", s.SourceIdentity, 500)
	if s.SourceIdentity != "" && s.SourceType == "SOURCE_VOLUNTARY" {
		c.fail("source_identity", "must be absent with SOURCE_VOLUNTARY")
	}
	if c.required("automated_detection", s.AutomatedDetection) {
		c.oneOf("automated_detection", "AUTOMATED_DETECTIONS", s.AutomatedDetection)
	}
	if c.required("automated_decision", s.AutomatedDecision) {
		c.oneOf("automated_decision", "AUTOMATED_DECISIONS", s.AutomatedDecision)
	}
	if c.required("puid", s.PUID) {
		c.maxLen("puid", s.PUID, 500)
		if !puidRE.MatchString(s.PUID) {
			c.fail("puid", "%q may hold only letters, digits, - and _", s.PUID)
		}
	}
	for k, v := range s.ContentID {
		if k != "EAN-13" {
			c.fail("content_id", "unknown key %q (only EAN-13)", k)
		} else if !ean13RE.MatchString(v) {
			c.fail("content_id", "EAN-13 %q is not 13 digits", v)
		}
	}
	if len(c.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(c.errs, func(a, b FieldError) int { return strings.Compare(a.Field, b.Field) })
	return c.errs
}

// MaxBatch is the most statements one submission may carry.
const MaxBatch = 100

// Batch is a submission of several statements, all or nothing.
type Batch struct {
	Statements []Statement `json:"statements"`
}

// Validate checks the batch size, every statement, and that no puid repeats.
func (b Batch) Validate() error {
	c := &checker{}
	if n := len(b.Statements); n < 1 || n > MaxBatch {
		c.fail("statements", "a batch holds 1 to %d statements, not %d", MaxBatch, n)
	}
	seen := map[string]int{}
	for i := range b.Statements {
		if err := b.Statements[i].Validate(); err != nil {
			for _, fe := range err.(ValidationError) {
				c.fail(fmt.Sprintf("statements.%d.%s", i, fe.Field), "%s", fe.Message)
			}
		}
		if j, dup := seen[b.Statements[i].PUID]; dup {
			c.fail(fmt.Sprintf("statements.%d.puid", i), "repeats the puid of statement %d", j)
		}
		seen[b.Statements[i].PUID] = i
	}
	if len(c.errs) == 0 {
		return nil
	}
	return c.errs
}

// Batches splits statements into batches of at most MaxBatch, in order.
func Batches(statements []Statement) []Batch {
	var out []Batch
	for chunk := range slices.Chunk(statements, MaxBatch) {
		out = append(out, Batch{Statements: chunk})
	}
	return out
}
