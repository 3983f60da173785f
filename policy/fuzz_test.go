package policy_test

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/policy"
)

var digestRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// FuzzCompile checks that Compile never panics and keeps its contract: an
// error is an ErrorList of positioned, coded problems and comes without an
// engine; an engine comes without an error and with a policy digest. It is
// seeded with every policy under testdata/policies, valid and invalid, and
// the default policy.
func FuzzCompile(f *testing.F) {
	seeds, err := filepath.Glob("../testdata/policies/*/*.yaml")
	require.NoError(f, err)
	seeds = append(seeds, "default.yaml")
	for _, path := range seeds {
		src, err := os.ReadFile(path)
		require.NoError(f, err)
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		engine, err := policy.Compile("fuzz.yaml", src)
		if err != nil {
			require.Nil(t, engine, "an engine returned with an error")
			list, ok := err.(policy.ErrorList)
			require.True(t, ok, "the error is a %T, not an ErrorList: %v", err, err)
			require.NotEmpty(t, list, "an empty ErrorList")
			var first *policy.Error
			require.True(t, errors.As(err, &first))
			for _, e := range list {
				require.NotNil(t, e)
				require.GreaterOrEqual(t, e.Line, 1, "%v", e)
				require.GreaterOrEqual(t, e.Column, 1, "%v", e)
				require.NotEmpty(t, e.Code, "%v", e)
				require.Equal(t, "fuzz.yaml", e.File)
			}
			return
		}
		require.NotNil(t, engine, "neither an engine nor an error")
		require.Regexp(t, digestRE, engine.Policy().Digest)
	})
}
