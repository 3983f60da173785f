// Package dsa builds statements of reasons in the format of the EU DSA
// Transparency Database (Art. 17 and 24(5) of Regulation (EU) 2022/2065)
// from enforcement plans, validates them by the database's rules, and
// writes them as a platform submits them.
//
// Field names and values are exactly the database's. Statements carry no
// personal data, by construction: no account, group or violation
// identifier can reach their text, because the text is built only from
// fixed sentences, enum values (severity, measure, role, source), dates and
// durations, and the policy's own static texts (its name and version, rule
// ids, category titles, the references of its grounds). Nothing that a
// case supplies as a string (ids, review notes, evidence references) and
// nothing the policy computes from a case (a rule's message, a guard's
// note) is ever copied into a statement: those go to the notices, which
// speak to the person concerned. The puid is a keyed hash of the decision.
//
// Validate and Batch.Validate report broken rules as [policy.Problems] with
// paths such as statements[3].puid. A Writer writes JSON lines, each line
// one batch request body of at most MaxBatch statements, with puids unique
// across the file; ReadLines reads such a file back and checks it.
package dsa

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/groupwarden/warden/internal/dsa"
	"github.com/groupwarden/warden/policy"
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

// The codes of the problems Validate reports, matched with
// [policy.CodeOf].
const (
	// CodeRequired: a required field is absent or blank (the database trims
	// every string and reads "" as absent).
	CodeRequired policy.Code = "dsa-required"
	// CodeNotAccepted: a value that is not one of the database's keys.
	CodeNotAccepted policy.Code = "dsa-not-accepted"
	// CodeTooLong: a text over the field's limit in characters.
	CodeTooLong policy.Code = "dsa-too-long"
	// CodeNotApplicable: a field sent where it does not apply (the
	// database would drop it; a statement sends only what applies).
	CodeNotApplicable policy.Code = "dsa-not-applicable"
	// CodeDate: not a Y-m-d date, or outside the dates the field accepts.
	CodeDate policy.Code = "dsa-date"
	// CodeURL: not a URL by the database's rule.
	CodeURL policy.Code = "dsa-url"
	// CodePUID: a puid with characters other than letters, digits, - and _.
	CodePUID policy.Code = "dsa-puid"
	// CodeBatchSize: a batch of no statement or of more than MaxBatch.
	CodeBatchSize policy.Code = "dsa-batch-size"
	// CodeDuplicatePUID: a puid that an earlier statement of the batch, or
	// of the file a Writer writes, already has.
	CodeDuplicatePUID policy.Code = "dsa-duplicate-puid"
)

var (
	puidRE  = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)
	ean13RE = regexp.MustCompile(`^[0-9]{13}$`)
	// urlRE is the database's url rule (Laravel's, after Symfony's
	// UrlValidator) for the http and https schemes: a host, an optional
	// port, then path, query and fragment of URL characters only, so no
	// space, no angle bracket and no double quote.
	urlRE = regexp.MustCompile(`(?i)^https?://` +
		`(?:(?:[_.\pL\pN-]|%[0-9A-Fa-f]{2})+(?::(?:[_.\pL\pN-]|%[0-9A-Fa-f]{2})*)?@)?` +
		`(?:(?:[\pL\pN\pS_-]+\.)*(?:[\pL\pN]|xn--[\pL\pN-]+)+\.?` +
		`|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}` +
		`|\[[0-9a-f:.]+\])` +
		`(?::[0-9]+)?` +
		`(?:/(?:[\pL\pN\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)*` +
		`(?:\?(?:[\pL\pN\-._~!$&'\[\]()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?` +
		`(?:#(?:[\pL\pN\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?$`)
)

// The database's date bounds. MaxDate is the last date any date field
// accepts; a restriction ending later is sent as indefinite.
var (
	MinContentDate     = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	MinApplicationDate = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxDate            = time.Date(2038, 1, 1, 0, 0, 0, 0, time.UTC)
)

type checker struct{ errs policy.Problems }

func (c *checker) fail(field string, code policy.Code, format string, args ...any) {
	c.errs = append(c.errs, &policy.Problem{Path: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) oneOf(field, list, value string) {
	if value = strings.TrimSpace(value); value != "" && !dsa.Has(list, value) {
		c.fail(field, CodeNotAccepted, "%q is not an accepted value", value)
	}
}

func (c *checker) allOf(field, list string, values []string) {
	for i, v := range values {
		if blank(v) {
			// The database reads a blank element as null, which is none of
			// its keys.
			c.fail(policy.IndexPath(field, i), CodeNotAccepted, "a blank element is not an accepted value")
			continue
		}
		c.oneOf(policy.IndexPath(field, i), list, v)
	}
}

func (c *checker) maxLen(field, value string, n int) {
	if utf8.RuneCountInString(strings.TrimSpace(value)) > n {
		c.fail(field, CodeTooLong, "longer than %d characters", n)
	}
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

func (c *checker) required(field, value string) bool {
	if blank(value) {
		c.fail(field, CodeRequired, "required")
		return false
	}
	return true
}

// otherText checks a free-text field that must be present exactly when an
// OTHER value is chosen.
func (c *checker) otherText(field, value string, chosen bool) {
	switch {
	case chosen && blank(value):
		c.fail(field, CodeRequired, "required with the OTHER value")
	case !chosen && !blank(value):
		c.fail(field, CodeNotApplicable, "must be absent unless the OTHER value is chosen")
	}
	c.maxLen(field, value, 500)
}

func (c *checker) date(field, value string, lo time.Time) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(value))
	switch {
	case err != nil:
		c.fail(field, CodeDate, "%q is not a Y-m-d date", value)
	case t.Before(lo) || t.After(MaxDate):
		c.fail(field, CodeDate, "%s is outside %s … %s", value, lo.Format(time.DateOnly), MaxDate.Format(time.DateOnly))
	}
}

// ValidURL reports whether u passes the database's url rule: an http or
// https URL with a host, and nothing but URL characters.
func ValidURL(u string) bool { return urlRE.MatchString(u) }

// Validate checks the statement against every rule of the database and
// returns [policy.Problems], one for each broken rule, with the field as
// path (content_type[1] for an element of a list), sorted by path. It
// reads every string as the database does, trimmed, so a padded key
// (" DECISION_GROUND_ILLEGAL_CONTENT") asks for what the key asks for, and
// a blank one counts as absent.
func (s *Statement) Validate() error {
	t := s.trimmed()
	// A blank incompatible_content_illegal is still sent (the key is
	// present), and the database refuses it as null.
	return t.validate(s.IncompatibleContentIllegal != "")
}

// trimmed returns a copy of the statement with every string trimmed, as
// the database trims them before it validates.
func (s *Statement) trimmed() Statement {
	t := *s
	for _, f := range []*string{&t.DecisionVisibilityOther, &t.DecisionMonetary, &t.DecisionMonetaryOther, &t.DecisionProvision,
		&t.DecisionAccount, &t.AccountType, &t.DecisionGround, &t.DecisionGroundReferenceURL, &t.IllegalContentLegalGround,
		&t.IllegalContentExplanation, &t.IncompatibleContentGround, &t.IncompatibleContentExplanation, &t.IncompatibleContentIllegal,
		&t.ContentTypeOther, &t.Category, &t.CategorySpecificationOther, &t.ContentLanguage, &t.ContentDate, &t.ApplicationDate,
		&t.DecisionFacts, &t.SourceType, &t.SourceIdentity, &t.AutomatedDetection, &t.AutomatedDecision, &t.PUID} {
		*f = strings.TrimSpace(*f)
	}
	for _, l := range []*[]string{&t.DecisionVisibility, &t.ContentType, &t.CategoryAddition, &t.CategorySpecification, &t.TerritorialScope} {
		if slices.ContainsFunc(*l, func(v string) bool { return strings.TrimSpace(v) != v }) {
			trimmed := make([]string, len(*l))
			for i, v := range *l {
				trimmed[i] = strings.TrimSpace(v)
			}
			*l = trimmed
		}
	}
	for _, d := range []**string{&t.EndDateAccountRestriction, &t.EndDateMonetaryRestriction, &t.EndDateServiceRestriction, &t.EndDateVisibilityRestriction} {
		if *d != nil {
			v := strings.TrimSpace(**d)
			*d = &v
		}
	}
	if len(t.ContentID) > 0 {
		t.ContentID = make(map[string]string, len(s.ContentID))
		for k, v := range s.ContentID {
			t.ContentID[k] = strings.TrimSpace(v)
		}
	}
	return t
}

func (s *Statement) validate(illegalSent bool) error {
	c := &checker{}
	if len(s.DecisionVisibility) == 0 && s.DecisionMonetary == "" && s.DecisionProvision == "" && s.DecisionAccount == "" {
		c.fail("decision_visibility", CodeRequired, "one of decision_visibility, decision_monetary, decision_provision or decision_account is required")
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
	if u := strings.TrimSpace(s.DecisionGroundReferenceURL); u != "" && !ValidURL(u) {
		c.fail("decision_ground_reference_url", CodeURL, "%q is not a full http or https URL with a host", u)
	}
	illegal := s.DecisionGround == "DECISION_GROUND_ILLEGAL_CONTENT"
	incompatible := s.DecisionGround == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
	groundText := func(field, value string, with bool, n int) {
		switch {
		case with && blank(value):
			c.fail(field, CodeRequired, "required with %s", s.DecisionGround)
		case !with && !blank(value):
			c.fail(field, CodeNotApplicable, "must be absent with %s", s.DecisionGround)
		}
		c.maxLen(field, value, n)
	}
	groundText("illegal_content_legal_ground", s.IllegalContentLegalGround, illegal, 500)
	groundText("illegal_content_explanation", s.IllegalContentExplanation, illegal, 2000)
	groundText("incompatible_content_ground", s.IncompatibleContentGround, incompatible, 500)
	groundText("incompatible_content_explanation", s.IncompatibleContentExplanation, incompatible, 2000)
	if illegalSent {
		if s.IncompatibleContentIllegal == "" {
			c.fail("incompatible_content_illegal", CodeNotAccepted, "blank; want Yes or No, or leave the field out")
		}
		c.oneOf("incompatible_content_illegal", "INCOMPATIBLE_CONTENT_ILLEGALS", s.IncompatibleContentIllegal)
		if !incompatible {
			c.fail("incompatible_content_illegal", CodeNotApplicable, "only with DECISION_GROUND_INCOMPATIBLE_CONTENT")
		}
	}

	if len(s.ContentType) == 0 {
		c.fail("content_type", CodeRequired, "required")
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
		c.date("content_date", s.ContentDate, MinContentDate)
	}
	if c.required("application_date", s.ApplicationDate) {
		c.date("application_date", s.ApplicationDate, MinApplicationDate)
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
	if !blank(s.SourceIdentity) && (slices.Contains(s.CategorySpecification, "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL") ||
		slices.Contains(s.CategorySpecification, "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE")) {
		c.fail("source_identity", CodeNotApplicable, "never the identity of a notifier of child sexual abuse material (Art. 16(2)(c))")
	}
	if !blank(s.SourceIdentity) && s.SourceType == "SOURCE_VOLUNTARY" {
		c.fail("source_identity", CodeNotApplicable, "must be absent with SOURCE_VOLUNTARY")
	}
	if c.required("automated_detection", s.AutomatedDetection) {
		c.oneOf("automated_detection", "AUTOMATED_DETECTIONS", s.AutomatedDetection)
	}
	if c.required("automated_decision", s.AutomatedDecision) {
		c.oneOf("automated_decision", "AUTOMATED_DECISIONS", s.AutomatedDecision)
	}
	if c.required("puid", s.PUID) {
		c.maxLen("puid", s.PUID, 500)
		if !puidRE.MatchString(strings.TrimSpace(s.PUID)) {
			c.fail("puid", CodePUID, "%q may hold only letters, digits, - and _", s.PUID)
		}
	}
	for k, v := range s.ContentID {
		if k != "EAN-13" {
			c.fail("content_id", CodeNotAccepted, "unknown key %q (only EAN-13)", k)
		} else if !ean13RE.MatchString(v) {
			c.fail(policy.JoinPath("content_id", "EAN-13"), CodeNotAccepted, "EAN-13 %q is not 13 digits", v)
		}
	}
	if len(c.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(c.errs, func(a, b *policy.Problem) int { return strings.Compare(a.Path, b.Path) })
	return c.errs
}

// MaxBatch is the most statements one submission may carry.
const MaxBatch = 100

// Batch is a submission of several statements, all or nothing.
type Batch struct {
	Statements []Statement `json:"statements"`
}

// Validate checks the batch size, every statement, and that no puid
// repeats (compared after trimming, as the database does). Paths name the
// statement: statements[3].puid.
func (b Batch) Validate() error {
	c := &checker{}
	if n := len(b.Statements); n < 1 || n > MaxBatch {
		c.fail("statements", CodeBatchSize, "a batch holds 1 to %d statements, not %d", MaxBatch, n)
	}
	seen := make(map[string]int, len(b.Statements))
	for i := range b.Statements {
		at := policy.IndexPath("statements", i)
		if err := b.Statements[i].Validate(); err != nil {
			c.errs = append(c.errs, prefixed(at, err)...)
		}
		puid := strings.TrimSpace(b.Statements[i].PUID)
		if j, dup := seen[puid]; dup {
			c.fail(policy.JoinPath(at, "puid"), CodeDuplicatePUID, "repeats the puid of statements[%d]", j)
		}
		seen[puid] = i
	}
	if len(c.errs) == 0 {
		return nil
	}
	return c.errs
}

// prefixed returns the problems of err with path in front of theirs.
func prefixed(path string, err error) policy.Problems {
	ps, ok := err.(policy.Problems)
	if !ok {
		return policy.Problems{{Path: path, Code: CodeNotAccepted, Message: err.Error()}}
	}
	out := make(policy.Problems, len(ps))
	for i, p := range ps {
		q := *p
		q.Path = policy.JoinPath(path, p.Path)
		out[i] = &q
	}
	return out
}

// Batches splits statements into batches of at most MaxBatch, in order.
func Batches(statements []Statement) []Batch {
	var out []Batch
	for chunk := range slices.Chunk(statements, MaxBatch) {
		out = append(out, Batch{Statements: chunk})
	}
	return out
}
