package names

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/internal/celx"
	"github.com/groupwarden/warden/internal/vocab"
)

// scope returns a scope in which every field a name can read has a value
// of its own, so that a resolver reading the wrong field shows.
func scope() *Scope {
	now := time.Date(2017, 2, 20, 10, 0, 0, 0, time.UTC)
	v := &vocab.Violation{
		ID: "v-7", Severity: vocab.SeverityHigh,
		Evidence: vocab.Evidence{
			Identifications: []vocab.Identification{{Method: vocab.MethodClassifier, Confidence: 0.25}, {Method: vocab.MethodKeyword, Confidence: 0.75}},
			Reports:         []vocab.Report{{Source: vocab.SourceUser}, {Source: vocab.SourceAuthority}, {Source: vocab.SourceUser}},
		},
	}
	return &Scope{
		Group:      &vocab.Group{ID: "g-3", Admins: []string{"a1", "a2", "a3", "a4"}, Members: 11, Created: now.Add(-5 * time.Hour)},
		Now:        now,
		Categories: []vocab.Category{{Name: "spam"}, {Name: "csam", ZeroTolerance: true}},
		SubjectID:  "u-9", Role: vocab.RoleAdmin, RealName: true, Business: true,
		Created: now.Add(-7 * time.Hour),
		History: []vocab.Record{{}, {}, {}, {}, {}, {}},
		V:       v, Cat: 1, Verified: true, IsActor: true,
	}
}

// TestEveryNameResolves evaluates every name of the table on a scope and
// checks that its value has the declared type and comes from its own field.
// The expectations are written out here, name by name: deleting an entry of
// the table, or pointing its resolver at another field, fails.
func TestEveryNameResolves(t *testing.T) {
	s := scope()
	want := map[string]ref.Val{
		"violation":                Violation{s},
		"violation.id":             types.String("v-7"),
		"violation.category":       celx.Category(1),
		"violation.severity":       celx.Severity(vocab.SeverityHigh),
		"violation.verified":       types.True,
		"violation.automated":      types.True,
		"violation.confidence":     types.Double(0.75),
		"violation.reports":        types.Int(3),
		"violation.trusted_report": types.True,
		"violation.zero_tolerance": types.True,
		"subject.id":               types.String("u-9"),
		"subject.role":             celx.Role(vocab.RoleAdmin),
		"subject.is_actor":         types.True,
		"subject.real_name":        types.True,
		"subject.business":         types.True,
		"subject.age":              types.Duration{Duration: 7 * time.Hour},
		"subject.prior_penalties":  types.Int(6),
		"group.id":                 types.String("g-3"),
		"group.members":            types.Int(11),
		"group.admins":             types.Int(4),
		"group.age":                types.Duration{Duration: 5 * time.Hour},
		"now":                      types.Timestamp{Time: s.Now},
	}
	var declared []string
	for _, n := range All() {
		declared = append(declared, n.Name)
		got, ok := s.Resolve(n.Name)
		require.True(t, ok, n.Name)
		assert.Equal(t, n.Type, got.ConvertToType(types.TypeType), "%s: the value's type is the declared one", n.Name)
		assert.Equal(t, want[n.Name], got, n.Name)
		assert.NotZero(t, n.Section, n.Name)
		assert.NotEmpty(t, n.Doc, n.Name)
	}
	var expected []string
	for n := range want {
		expected = append(expected, n)
	}
	slices.Sort(declared)
	slices.Sort(expected)
	assert.Equal(t, expected, declared, "the table declares exactly the names expected")

	// The booleans flip with their own field only.
	flips := map[string]func(*Scope){
		"violation.verified":       func(s *Scope) { s.Verified = false },
		"violation.automated":      func(s *Scope) { s.V.Evidence.Identifications = nil },
		"violation.trusted_report": func(s *Scope) { s.V.Evidence.Reports = s.V.Evidence.Reports[:1] },
		"violation.zero_tolerance": func(s *Scope) { s.Cat = 0 },
		"subject.is_actor":         func(s *Scope) { s.IsActor = false },
		"subject.real_name":        func(s *Scope) { s.RealName = false },
		"subject.business":         func(s *Scope) { s.Business = false },
	}
	for name, flip := range flips {
		s := scope()
		flip(s)
		for n, w := range want {
			got, _ := s.Resolve(n)
			if n == name {
				assert.Equal(t, types.False, got, "%s follows its field", n)
			} else if w.Type() == types.BoolType {
				assert.Equal(t, w, got, "%s does not follow the field of %s", n, name)
			}
		}
	}
	_, ok := s.Resolve("variables.x")
	assert.False(t, ok)
}

func TestAgeIsZeroWhenUnknownOrFuture(t *testing.T) {
	s := scope()
	s.Created = time.Time{}
	s.Group.Created = s.Now.Add(time.Hour)
	got, _ := s.Resolve("subject.age")
	assert.Equal(t, types.Duration{}, got)
	got, _ = s.Resolve("group.age")
	assert.Equal(t, types.Duration{}, got)
}

// TestKeysAgreeWithResolve checks, on scopes generated from a seed, that
// every name with a Key reads through it the number its Resolve boxes, and
// that exactly the names of a finite kind have one: a case space computes
// cells from keys, the slow path from values, and the two must agree.
func TestKeysAgreeWithResolve(t *testing.T) {
	finite := map[*types.Type]bool{
		celx.CategoryType: true, celx.SeverityType: true, celx.RoleType: true,
		types.BoolType: true, types.IntType: true, types.DurationType: true,
	}
	rng := rand.New(rand.NewPCG(13, 1))
	for range 500 {
		s := scope()
		s.Cat = uint8(rng.IntN(len(s.Categories)))
		s.V.Severity = vocab.Severity(1 + rng.IntN(4))
		s.Role = vocab.Role(rng.IntN(4))
		s.Verified, s.IsActor, s.RealName, s.Business = rng.IntN(2) == 0, rng.IntN(2) == 0, rng.IntN(2) == 0, rng.IntN(2) == 0
		s.V.Evidence.Reports = make([]vocab.Report, rng.IntN(5))
		for i := range s.V.Evidence.Reports {
			s.V.Evidence.Reports[i].Source = vocab.Source(1 + rng.IntN(3))
		}
		s.V.Evidence.Identifications = s.V.Evidence.Identifications[:rng.IntN(3)]
		s.History = make([]vocab.Record, rng.IntN(4))
		s.Group.Members, s.Group.Admins = rng.IntN(1000), make([]string, rng.IntN(3))
		s.Created = s.Now.Add(time.Duration(rng.IntN(1000)-100) * time.Hour)
		s.Group.Created = s.Now.Add(-time.Duration(rng.IntN(1000)) * time.Minute)
		for _, n := range All() {
			require.Equal(t, finite[n.Type], n.Key != nil, "%s: a key exactly for the finite kinds", n.Name)
			if n.Key == nil {
				continue
			}
			var want int64
			switch v := n.Resolve(s).(type) {
			case types.Bool:
				want = b2i(bool(v))
			case types.Int:
				want = int64(v)
			case types.Duration:
				want = int64(v.Duration)
			case celx.Category:
				want = int64(v)
			case celx.Severity:
				want = int64(v)
			case celx.Role:
				want = int64(v)
			default:
				t.Fatalf("%s: resolves to %T, which has no key", n.Name, v)
			}
			require.Equal(t, want, n.Key(s), n.Name)
		}
	}
}

// TestOnlySubjectNamesReadTheSubject checks, on scopes generated from a
// seed, that a name outside the subject's section reads nothing of the
// subject: another subject of the same case (its id, role, account, and
// whether it committed the violation) leaves its key as it was. The members of a group case share what such names add to
// their cells, so this is what makes the sharing sound.
func TestOnlySubjectNamesReadTheSubject(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 2))
	changed := 0
	for range 500 {
		s := scope()
		s.Cat = uint8(rng.IntN(len(s.Categories)))
		s.V.Severity = vocab.Severity(1 + rng.IntN(4))
		other := *s
		other.SubjectID = fmt.Sprintf("m%d", rng.IntN(100))
		other.Role = vocab.Role(1 + rng.IntN(3))
		other.IsActor, other.RealName, other.Business = rng.IntN(2) == 0, rng.IntN(2) == 0, rng.IntN(2) == 0
		other.Created = s.Now.Add(-time.Duration(rng.IntN(1000)) * time.Hour)
		other.History = make([]vocab.Record, rng.IntN(4))
		for _, n := range All() {
			if n.Key == nil {
				continue // not in any cell
			}
			if n.Section == SectionSubject {
				if n.Key(s) != n.Key(&other) {
					changed++
				}
				continue
			}
			require.Equal(t, n.Key(s), n.Key(&other), "%s reads the subject", n.Name)
		}
	}
	require.Positive(t, changed, "the other subjects differ where the subject's names read them")
}
