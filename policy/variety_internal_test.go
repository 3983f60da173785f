package policy

import (
	"strings"
	"testing"

	"cel.dev/cel-go/cel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/internal/compiler"
)

func checked(t *testing.T, src string) *cel.Ast {
	t.Helper()
	env, err := cel.NewEnv(cel.Variable("id", cel.StringType), cel.Variable("conf", cel.DoubleType))
	require.NoError(t, err)
	a, iss := env.Compile(src)
	require.NoError(t, iss.Err())
	return a
}

// TestVarietyTakesBothBranches: for residuals over ids and confidences, the
// values variety draws make each comparison true on one and false on
// another, which random ids and confidences almost never do.
func TestVarietyTakesBothBranches(t *testing.T) {
	tests := []struct {
		src  string
		take func(id string, conf float64) bool
	}{
		{`id.startsWith("vip-")`, func(id string, _ float64) bool { return strings.HasPrefix(id, "vip-") }},
		{`id.endsWith("-bot")`, func(id string, _ float64) bool { return strings.HasSuffix(id, "-bot") }},
		{`id == "g-77"`, func(id string, _ float64) bool { return id == "g-77" }},
		{`id.contains("test")`, func(id string, _ float64) bool { return strings.Contains(id, "test") }},
		{`conf > 0.9`, func(_ string, c float64) bool { return c > 0.9 }},
		{`conf >= 0.5 && conf < 0.75`, func(_ string, c float64) bool { return c >= 0.5 && c < 0.75 }},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			a := checked(t, tc.src)
			v := harvest(nil, a.NativeRep())
			seen := map[bool]bool{}
			ids, confs := v.ids(), v.confidences()
			ids = append(ids, "v1")
			confs = append(confs, 1)
			for _, id := range ids {
				require.NotEmpty(t, id)
				require.LessOrEqual(t, len(id), compiler.MaxIDLen)
				for _, c := range confs {
					require.True(t, c >= 0 && c <= 1, "%v", c)
					seen[tc.take(id, c)] = true
				}
			}
			assert.True(t, seen[true] && seen[false], "both branches of %s", tc.src)
		})
	}
}

// TestVarietyIsBounded: a residual of very many literals keeps maxVariety
// of each, and ids near the length limit stay within it.
func TestVarietyIsBounded(t *testing.T) {
	var terms []string
	for i := range 40 {
		terms = append(terms, `id == "`+strings.Repeat("a", i+1)+`"`, `conf == 0.`+strings.Repeat("1", i+1))
	}
	v := harvest(nil, checked(t, strings.Join(terms, " || ")).NativeRep())
	assert.Len(t, v.strs, maxVariety)
	assert.Len(t, v.nums, maxVariety)
	long := variety{strs: []string{strings.Repeat("z", compiler.MaxIDLen)}}
	for _, id := range long.ids() {
		assert.LessOrEqual(t, len(id), compiler.MaxIDLen)
	}
	assert.Empty(t, harvest(nil, nil).ids())
}

// TestVarietySkipsDurationText: the text of a duration or timestamp literal
// is not drawn as an id.
func TestVarietySkipsDurationText(t *testing.T) {
	env, err := cel.NewEnv(cel.Variable("id", cel.StringType), cel.Variable("age", cel.DurationType))
	require.NoError(t, err)
	a, iss := env.Compile(`age > duration("720h") && id == "x1"`)
	require.NoError(t, iss.Err())
	assert.Equal(t, []string{"x1"}, harvest(nil, a.NativeRep()).strs)
}

// TestVarietyKeepsNoLongLiterals: a policy may hold literals far longer
// than an id; they give no id, and are not kept to be copied and compared
// in every cell.
func TestVarietyKeepsNoLongLiterals(t *testing.T) {
	var terms []string
	for i := range maxVariety {
		terms = append(terms, `id == "`+strings.Repeat(string(rune('a'+i)), 4<<10)+`"`)
	}
	terms = append(terms, `id == "`+strings.Repeat("z", compiler.MaxIDLen+1)+`"`)
	v := harvest(nil, checked(t, strings.Join(terms, " || ")).NativeRep())
	require.Len(t, v.strs, 1, "only the literal one byte longer than an id is kept")
	assert.Equal(t, []string{strings.Repeat("z", compiler.MaxIDLen)}, v.ids())
}

// TestWithSubjectIDKeepsTheCell: renaming the subject never takes another
// account's id, as the actor's would make the subject the actor.
func TestWithSubjectIDKeepsTheCell(t *testing.T) {
	c := Case{Target: TargetAccount, Group: Group{ID: "g1", Owner: "owner", Admins: []string{"admin"}},
		Account: &Account{ID: "member"}, Violations: []Violation{{ID: "v1", Actor: "actor"}}}
	for _, id := range []string{"actor", "owner", "admin", "member"} {
		_, ok := withSubjectID(c, id)
		assert.False(t, ok, id)
	}
	renamed, ok := withSubjectID(c, "vip-1")
	require.True(t, ok)
	assert.Equal(t, "vip-1", renamed.Account.ID)
	assert.Equal(t, "member", c.Account.ID, "the original case is not changed")
	owner := c
	owner.Account = &Account{ID: "owner"}
	owner.Violations = []Violation{{ID: "v1", Actor: "owner"}}
	renamed, ok = withSubjectID(owner, "vip-2")
	require.True(t, ok)
	assert.Equal(t, "vip-2", renamed.Group.Owner)
	assert.Equal(t, "vip-2", renamed.Violations[0].Actor)
	assert.Equal(t, "owner", owner.Violations[0].Actor, "the original case is not changed")
}
