package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
	"github.com/groupwarden/warden/policy/policytest"
)

// addFiles seeds f with the content of every file the globs match.
func addFiles(f *testing.F, globs ...string) {
	f.Helper()
	n := 0
	for _, g := range globs {
		paths, err := filepath.Glob(g)
		require.NoError(f, err)
		for _, p := range paths {
			src, err := os.ReadFile(p)
			require.NoError(f, err)
			f.Add(src)
			n++
		}
	}
	require.NotZero(f, n, "no seeds in %v", globs)
}

// requireInputErrors checks that err is one or more input errors (joined,
// one a line) under the file name, each at a line of the input when it has
// one.
func requireInputErrors(t *testing.T, err error, data []byte) {
	t.Helper()
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	// Lines end as YAML ends them: at "\r\n", "\n" or a lone "\r".
	lines := bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) - bytes.Count(data, []byte("\r\n")) + 1
	for _, e := range errs {
		var ie *inputError
		if !errors.As(e, &ie) {
			// The library's own reader speaks for the fixture format
			// past the command's checks: its errors name the file.
			require.True(t, strings.HasPrefix(e.Error(), stdinName), "%T %v names no file", e, e)
			continue
		}
		require.Equal(t, stdinName, ie.file, "%v", ie)
		require.NotEmpty(t, ie.msg, "%v", ie)
		require.False(t, ie.io, "%v: reading from memory is no I/O error", ie)
		require.True(t, ie.line >= 0 && ie.line <= lines, "%v: line %d of %d", ie, ie.line, lines)
		require.GreaterOrEqual(t, ie.col, 0, "%v", ie)
	}
}

// FuzzFixtures reads fixture files the way `warden test` does, seeded
// with every fixture of the repository and of the command's tests. An
// error means no file and places each problem in the input; a file the
// command accepts the library reads the same way, and a file the library
// refuses the command refuses too.
func FuzzFixtures(f *testing.F) {
	addFiles(f, "../../testdata/cases/*.yaml", "testdata/input/fixtures_*.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		e := &env{stdin: bytes.NewReader(data)}
		fx, err := loadFixtures("-", e)
		lib, libErr := policytest.Parse(stdinName, data)
		if err != nil {
			require.Nil(t, fx, "an error means no file")
			requireInputErrors(t, err, data)
			return
		}
		require.NoError(t, libErr, "the command accepts a fixture file the library refuses")
		require.Equal(t, lib, fx)
	})
}

// FuzzCaseFile reads the CASE argument of eval and explain, in YAML and in
// JSON, seeded with the command's test inputs and the cases of the
// fixtures, in YAML and some in JSON. An error means no cases and is placed in the
// input. A JSON file reads as encoding/json reads it. Cases read come
// one for a case, the group's and one a member for a group case; written
// back as JSON they read back the same (a round trip); and deciding them twice on the default policy gives the same
// decisions, one a case, or an error placed in the file and no decisions.
func FuzzCaseFile(f *testing.F) {
	addFiles(f, "testdata/input/*.yaml", "testdata/input/*.json", "../../testdata/eval/*", "../../testdata/plans/*.yaml")
	paths, err := filepath.Glob("../../testdata/cases/*.yaml")
	require.NoError(f, err)
	for _, p := range paths {
		file, err := policytest.Load(p)
		require.NoError(f, err)
		// The first case of each file in JSON too: every seed costs a
		// run before the fuzzing starts.
		for i, c := range file.Cases {
			y, err := yaml.Marshal(c.Input)
			require.NoError(f, err)
			f.Add(y)
			if i == 0 {
				j, err := json.Marshal(c.Input)
				require.NoError(f, err)
				f.Add(j)
			}
		}
	}
	engine := policy.Default()
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		cf, err := readCases("-", &env{stdin: bytes.NewReader(data)})
		if err != nil {
			require.Nil(t, cf, "an error means no cases")
			requireInputErrors(t, err, data)
			return
		}
		if json.Valid(data) {
			// A JSON file reads as encoding/json reads it.
			var direct any = &policy.Case{}
			var read any = &cf.cases[0]
			if cf.group != nil {
				direct, read = &enforcement.GroupCase{}, cf.group
			}
			if json.Unmarshal(data, direct) == nil {
				requireSameJSON(t, read, direct)
			}
		}
		var again *caseFile
		if cf.group != nil {
			require.Len(t, cf.cases, 1+len(cf.group.Members))
			back, err := json.Marshal(cf.group)
			require.NoError(t, err)
			again, err = readCases("-", &env{stdin: bytes.NewReader(back)})
			require.NoError(t, err, "a group case written as JSON does not read back: %s", back)
			require.NotNil(t, again.group, "a group case written as JSON reads back as a case: %s", back)
			requireSameJSON(t, cf.group, again.group)
		} else {
			require.Len(t, cf.cases, 1)
			back, err := json.Marshal(cf.cases[0])
			require.NoError(t, err)
			if c := cf.cases[0]; c.Account == nil && c.Target != policy.TargetAccount {
				// A case with no account and no members reads back as a
				// case; anything else is for Decide to refuse.
				again, err = readCases("-", &env{stdin: bytes.NewReader(back)})
				require.NoError(t, err, "a case written as JSON does not read back: %s", back)
				requireSameJSON(t, cf.cases, again.cases)
			}
		}
		ds, err := cf.check(ctx, engine)
		if err != nil {
			require.Nil(t, ds, "an error means no decisions")
			requireInputErrors(t, err, data)
			return
		}
		require.Len(t, ds, len(cf.cases), "one decision a case")
		ds2, err := cf.check(ctx, engine)
		require.NoError(t, err)
		require.Equal(t, ds, ds2, "deciding twice gives the same decisions")
	})
}

// requireSameJSON checks that a and b write the same JSON.
func requireSameJSON(t *testing.T, a, b any) {
	t.Helper()
	ja, err := json.Marshal(a)
	require.NoError(t, err)
	jb, err := json.Marshal(b)
	require.NoError(t, err)
	require.JSONEq(t, string(ja), string(jb))
}

// FuzzCaseLines streams a campaign's JSON lines and plans each case on the
// default policy, as `warden campaign` does, seeded with the campaign
// sample and the command's JSON lines inputs. The stream yields every
// non-blank line up to the first one that is not a group case, which it
// then reports at its line; a case read writes back as JSON that reads
// back the same; a case the planner refuses is reported at its own line.
func FuzzCaseLines(f *testing.F) {
	addFiles(f, "testdata/input/*.jsonl")
	sample, err := os.ReadFile("../../testdata/campaign/sample.jsonl")
	require.NoError(f, err)
	lines := bytes.Split(sample, []byte("\n"))
	for i := 0; i+3 <= len(lines); i += 3 {
		f.Add(bytes.Join(lines[i:i+3], []byte("\n")))
	}
	planner := enforcement.NewPlanner(policy.Default())
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		text := bytes.Split(data, []byte("\n"))
		cl := newCaseLines(stdinName, bytes.NewReader(data))
		n := 0 // the line of the last case yielded
		for gc := range cl.cases() {
			for n++; n <= len(text) && len(bytes.TrimSpace(text[n-1])) == 0; n++ {
			}
			back, err := json.Marshal(gc)
			require.NoError(t, err)
			again, err := decodeLine(stdinName, 1, back)
			require.NoError(t, err, "a group case written as JSON does not read back: %s", back)
			requireSameJSON(t, gc, again)
			plan, err := planner.Plan(ctx, gc)
			if err != nil {
				require.Nil(t, plan, "an error means no plan")
				var placed *inputError
				require.ErrorAs(t, cl.failed(err), &placed)
				require.Equal(t, stdinName, placed.file)
				require.Equal(t, n, placed.line, "the refused case of line %d is reported at line %d: %v", n, placed.line, placed)
				return
			}
			cl.done()
		}
		err := cl.error()
		if err == nil {
			for _, rest := range text[min(n, len(text)):] {
				require.Empty(t, bytes.TrimSpace(rest), "the stream stopped before line %q without an error", rest)
			}
			return
		}
		var ie *inputError
		require.ErrorAs(t, err, &ie)
		require.Equal(t, stdinName, ie.file)
		for n++; n <= len(text) && len(bytes.TrimSpace(text[n-1])) == 0; n++ {
		}
		require.Equal(t, n, ie.line, "the first line that is not a group case is %d, reported at %d: %v", n, ie.line, ie)
	})
}
