package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The JSON shape each command's usage documents is the shape it prints:
// every key it prints is documented, and every documented key is printed
// by one of the runs.
func TestJSONShapesDocumented(t *testing.T) {
	for _, tc := range []struct {
		usage string
		runs  [][]string
	}{
		{checkUsage, [][]string{{"check", "-json", valid + "/strikes.yaml", "../../testdata/policies/invalid/several-problems.yaml"}}},
		{testUsage, [][]string{
			{"test", "-json", "-cover", cases + "/focus.yaml", cases + "/escalation.yaml", input + "/fixtures_failing.yaml"},
			{"test", "-json", input + "/fixtures_broken.yaml"},
		}},
		{shadowUsage, [][]string{
			{"shadow", "-json", "-candidate", input + "/candidate.yaml", sample},
			{"shadow", "-json", "-candidate", input + "/candidate_no_dj.yaml", sample},
		}},
		{versionUsage, [][]string{{"version", "-json"}}},
	} {
		documented := documentedKeys(tc.usage)
		require.NotEmpty(t, documented)
		printed := map[string]bool{}
		for _, args := range tc.runs {
			var stdout, stderr bytes.Buffer
			run(args, nil, &stdout, &stderr)
			var v any
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &v), "%v: %s", args, stderr.String())
			jsonKeys(v, printed)
		}
		for k := range printed {
			assert.True(t, documented[k], "%s -json prints %q, which its usage does not document", tc.runs[0][0], k)
		}
		for k := range documented {
			assert.True(t, printed[k], "%s -h documents %q, which no run prints", tc.runs[0][0], k)
		}
	}
}

// documentedKeys reads the quoted names of the JSON shape in a usage text.
func documentedKeys(usage string) map[string]bool {
	keys := map[string]bool{}
	i := strings.Index(usage, `{"`)
	if i < 0 {
		return keys
	}
	shape := usage[i:]
	if end := strings.Index(shape, "\n\n"); end >= 0 {
		shape = shape[:end]
	}
	for _, m := range regexp.MustCompile(`"([a-z_]+)"`).FindAllStringSubmatch(shape, -1) {
		keys[m[1]] = true
	}
	return keys
}

func jsonKeys(v any, out map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			out[k] = true
			jsonKeys(x, out)
		}
	case []any:
		for _, x := range slices.Clone(v) {
			jsonKeys(x, out)
		}
	}
}

// warden test -json prints its one document on every path but a wrong
// command line: a -policy that does not compile or cannot be read is a
// file with errors, as a fixture file is, and no case runs.
func TestTestJSONOnErrors(t *testing.T) {
	broken := "../../testdata/policies/invalid/several-problems.yaml"
	for _, tc := range []struct {
		args   []string
		status int
		file   string
	}{
		{[]string{"test", "-json", "-policy", broken, cases + "/focus.yaml"}, exitFail, broken},
		{[]string{"test", "-json", "-cover", "-policy", "no-such-policy.yaml", cases + "/focus.yaml"}, exitUsage, "no-such-policy.yaml"},
		{[]string{"test", "-json", input + "/fixtures_broken.yaml"}, exitFail, input + "/fixtures_broken.yaml"},
		{[]string{"test", "-json", "no-such-fixtures.yaml"}, exitUsage, "no-such-fixtures.yaml"},
	} {
		var out, errOut bytes.Buffer
		require.Equal(t, tc.status, run(tc.args, nil, &out, &errOut), "%v: %s", tc.args, errOut.String())
		var rep testReport
		require.NoError(t, json.Unmarshal(out.Bytes(), &rep), "%v: stdout %q", tc.args, out.String())
		assert.False(t, rep.Passed, "%v", tc.args)
		require.Len(t, rep.FileErrors, 1, "%v", tc.args)
		assert.Equal(t, tc.file, rep.FileErrors[0].File, "%v", tc.args)
		assert.NotEmpty(t, rep.FileErrors[0].Errors, "%v", tc.args)
		for _, e := range rep.FileErrors[0].Errors {
			assert.True(t, strings.HasPrefix(e, tc.file+":"), "%v: %q names its file", tc.args, e)
		}
	}
}
