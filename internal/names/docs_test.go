package names

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the generated sections of RULES.md and the policy package doc")

// The reference sections of RULES.md and of the policy package doc are
// generated from the table; -update rewrites them.
func TestReferenceIsGenerated(t *testing.T) {
	sections := map[string]Section{"violation": SectionViolation, "subject": SectionSubject, "group": SectionGroup}
	regenerate(t, "../../RULES.md", func(s string) string {
		for key, sec := range sections {
			s = replaceBetween(t, s, fmt.Sprintf("<!-- names:%s -->\n", key), "<!-- end names -->", Markdown(sec))
		}
		return s
	})
	regenerate(t, "../../policy/doc.go", func(s string) string {
		return replaceBetween(t, s, "// # What CEL expressions see\n//\n", "//\n// Constants:", DocComment())
	})
}

func regenerate(t *testing.T, path string, gen func(string) string) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	want := gen(string(data))
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(want), 0o644))
		return
	}
	require.Equal(t, want, string(data), "%s is stale: go test ./internal/names -update", path)
}

// replaceBetween replaces what lies between the start and end markers.
func replaceBetween(t *testing.T, s, start, end, with string) string {
	t.Helper()
	i := strings.Index(s, start)
	require.GreaterOrEqual(t, i, 0, "no %q", start)
	i += len(start)
	j := strings.Index(s[i:], end)
	require.GreaterOrEqual(t, j, 0, "no %q after %q", end, start)
	return s[:i] + with + s[i+j:]
}

// lookup_gen.go is what the table gives.
func TestLookupIsGenerated(t *testing.T) {
	want, err := LookupSource()
	require.NoError(t, err)
	got, err := os.ReadFile("lookup_gen.go")
	require.NoError(t, err)
	require.Equal(t, string(want), string(got), "lookup_gen.go is stale: go generate ./internal/names")
	for i, n := range table {
		require.Equal(t, i, indexOf(n.Name), n.Name)
	}
	require.Equal(t, -1, indexOf("variables.leader"))
}
