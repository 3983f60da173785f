package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wantRE reads the errors a file of the broken-policy corpus expects from
// the comment block that opens it: # want: line:col: code.
var wantRE = regexp.MustCompile(`^# want: (\d+:\d+: [a-z-]+)(?:: (\S.*))?$`)

// TestCheckCorpus checks each file of the broken-policy corpus on its own
// and compares what warden check prints with the errors the file says it
// must produce: the same positions and codes, in order, every line in the
// form file:line:col: code: message, and exit status 1.
func TestCheckCorpus(t *testing.T) {
	files, err := filepath.Glob(corpus)
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			require.NoError(t, err)
			var want, wording []string
			for line := range strings.Lines(string(src)) {
				if !strings.HasPrefix(line, "#") {
					break
				}
				if m := wantRE.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
					want, wording = append(want, m[1]), append(wording, m[2])
				}
			}
			require.NotEmpty(t, want, "the file says no error it expects")

			var stdout, stderr bytes.Buffer
			status := run([]string{"check", file}, nil, &stdout, &stderr)
			assert.Equal(t, exitFail, status)
			var got []string
			for line := range strings.Lines(stdout.String()) {
				rest, ok := strings.CutPrefix(line, file+":")
				require.True(t, ok, "%q does not start with the file name", line)
				parts := strings.SplitN(rest, ": ", 3)
				require.Len(t, parts, 3, "%q is not file:line:col: code: message", line)
				got = append(got, parts[0]+": "+parts[1])
				if i := len(got) - 1; i < len(wording) && wording[i] != "" {
					assert.Equal(t, wording[i], strings.TrimSuffix(parts[2], "\n"), "the message of %s", got[i])
				}
			}
			assert.Equal(t, want, got)
			assert.Equal(t, fmt.Sprintf("warden check: %s in 1 of 1 file\n", plural(len(want), "error")), stderr.String())
		})
	}
}

// A policy that compiles under one name compiles the same from standard
// input, and check's summary names the file.
func TestCheckValid(t *testing.T) {
	files, err := filepath.Glob(valid + "/*.yaml")
	require.NoError(t, err)
	for _, file := range files {
		var stdout, stderr bytes.Buffer
		require.Equal(t, exitOK, run([]string{"check", file}, nil, &stdout, &stderr), stdout.String())
		assert.Regexp(t, `^`+regexp.QuoteMeta(file)+`: ok: policy [a-z-]+ [0-9.]+, \d+ categor(y|ies), \d+ rules?, sha256 [0-9a-f]{12}\n$`, stdout.String())
		assert.Empty(t, stderr.String())

		src, err := os.ReadFile(file)
		require.NoError(t, err)
		var fromStdin bytes.Buffer
		require.Equal(t, exitOK, run([]string{"check", "-"}, bytes.NewReader(src), &fromStdin, &stderr))
		assert.Equal(t, strings.Replace(stdout.String(), file, stdinName, 1), fromStdin.String())
	}
}
