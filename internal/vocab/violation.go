package vocab

import (
	"time"
)

// Method is how a technical identification found a violation. The zero
// Method is not valid.
type Method uint8

// Source is who reported a violation. The zero Source is not valid.
type Source uint8

// Verdict is what a human reviewer concluded. The zero Verdict is not valid.
type Verdict uint8

// Violation is one suspected breach of the policy, with its evidence.
type Violation struct {
	// ID identifies the violation; it must not be empty.
	ID string `json:"id" yaml:"id"`
	// Category names an entry of the policy's category catalogue.
	Category string   `json:"category" yaml:"category"`
	Severity Severity `json:"severity" yaml:"severity"`
	// Actor is the account that committed the violation; empty when unknown.
	Actor string `json:"actor,omitempty" yaml:"actor,omitempty"`
	// Group is the group it happened in; empty means the case's group.
	Group string `json:"group,omitempty" yaml:"group,omitempty"`
	// Committed is when the content was posted; Detected when it was found.
	Committed time.Time `json:"committed,omitzero" yaml:"committed,omitempty"`
	Detected  time.Time `json:"detected,omitzero" yaml:"detected,omitempty"`
	Evidence  Evidence  `json:"evidence" yaml:"evidence"`
	// Reviews are the manual reviews in the order they were made.
	Reviews []Review `json:"reviews,omitempty" yaml:"reviews,omitempty"`
}

// Evidence is what supports a violation: technical identifications and reports.
type Evidence struct {
	Identifications []Identification `json:"identifications,omitempty" yaml:"identifications,omitempty"`
	Reports         []Report         `json:"reports,omitempty" yaml:"reports,omitempty"`
}

// Identification is a technical finding: a hash match, a classifier or a keyword.
type Identification struct {
	Method Method `json:"method" yaml:"method"`
	// Confidence is between 0 and 1.
	Confidence float64   `json:"confidence" yaml:"confidence"`
	At         time.Time `json:"at,omitzero" yaml:"at,omitempty"`
	// Reference points to the matched hash list entry, model or keyword list.
	Reference string `json:"reference,omitempty" yaml:"reference,omitempty"`
}

// Report is a notice of the violation by a person or an authority.
type Report struct {
	Source    Source    `json:"source" yaml:"source"`
	At        time.Time `json:"at,omitzero" yaml:"at,omitempty"`
	Reference string    `json:"reference,omitempty" yaml:"reference,omitempty"`
}

// Review is a person's judgment of a violation.
type Review struct {
	Reviewer string    `json:"reviewer" yaml:"reviewer"`
	Verdict  Verdict   `json:"verdict" yaml:"verdict"`
	At       time.Time `json:"at" yaml:"at"`
	Note     string    `json:"note,omitempty" yaml:"note,omitempty"`
}

// VerifiedAt reports whether the violation passed the double judgment as
// of time t: at least one technical identification, and a latest manual
// review made at or before t that confirms it (of reviews made at the same
// time, the later one listed counts). The engine judges a case as of its
// time; the zero t means any time.
func (v *Violation) VerifiedAt(t time.Time) bool {
	return len(v.Evidence.Identifications) > 0 && confirmed(v.LatestReviewAt(t))
}

func confirmed(r *Review) bool { return r != nil && r.Verdict == VerdictConfirmed }

// LatestReviewAt returns the most recent review made at or before t, the
// review a decision at time t stands on; the zero t means any time.
func (v *Violation) LatestReviewAt(t time.Time) *Review {
	anyTime := t.IsZero()
	if len(v.Reviews) == 1 { // the common case, told without the loop
		if r := &v.Reviews[0]; anyTime || !r.At.After(t) {
			return r
		}
		return nil
	}
	var latest *Review
	for i := range v.Reviews {
		r := &v.Reviews[i]
		if !anyTime && r.At.After(t) {
			continue
		}
		if latest == nil || !r.At.Before(latest.At) {
			latest = r
		}
	}
	return latest
}

// Automated reports whether a technical identification found the violation.
func (v *Violation) Automated() bool { return len(v.Evidence.Identifications) > 0 }

// Confidence returns the highest confidence of its technical identifications.
func (v *Violation) Confidence() float64 {
	c := 0.0
	for _, id := range v.Evidence.Identifications {
		c = max(c, id.Confidence)
	}
	return c
}
