package policytest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/policy/policytest"
)

// FuzzParse reads fixture files, seeded with every fixture under
// testdata/cases. An error means no file and names the file; a parsed file
// has cases, each with a name, a reason and a line inside the file; and a
// parsed file written back as YAML parses again and writes back the same
// text (print, parse, print is a fixed point; an empty list and a missing
// one are the same).
func FuzzParse(f *testing.F) {
	paths, err := filepath.Glob("../../testdata/cases/*.yaml")
	require.NoError(f, err)
	require.NotEmpty(f, paths)
	for _, p := range paths {
		src, err := os.ReadFile(p)
		require.NoError(f, err)
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, err := policytest.Parse("fuzz.yaml", src)
		if err != nil {
			require.Nil(t, file, "an error means no file")
			require.True(t, strings.HasPrefix(err.Error(), "fuzz.yaml"), "the error names the file: %v", err)
			return
		}
		require.Equal(t, "fuzz.yaml", file.Path)
		require.NotEmpty(t, file.Cases)
		lines := strings.Count(string(src), "\n") + 1
		for _, c := range file.Cases {
			require.NotEmpty(t, c.Name)
			require.NotEmpty(t, c.Reason)
			require.True(t, c.Line >= 1 && c.Line <= lines, "case %q at line %d of %d", c.Name, c.Line, lines)
		}
		out, err := yaml.Marshal(file)
		require.NoError(t, err)
		back, err := policytest.Parse("fuzz.yaml", out)
		require.NoError(t, err, "a parsed fixture file written back does not parse:\n%s", out)
		require.Len(t, back.Cases, len(file.Cases))
		again, err := yaml.Marshal(back)
		require.NoError(t, err)
		require.Equal(t, string(out), string(again), "a parsed fixture file written back reads differently")
	})
}
