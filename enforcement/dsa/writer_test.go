package dsa_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/enforcement/dsa"
	"github.com/groupwarden/warden/examples/synth"
	"github.com/groupwarden/warden/policy"
)

// readLines decodes a file the Writer wrote with ReadLines, which checks
// each line and the puids across the file.
func readLines(t *testing.T, data []byte) []dsa.Statement {
	t.Helper()
	batches, err := dsa.ReadLines(bytes.NewReader(data))
	require.NoError(t, err)
	var all []dsa.Statement
	for _, b := range batches {
		all = append(all, b.Statements...)
	}
	return all
}

// ReadLines refuses a puid repeated on another line.
func TestReadLinesRefusesRepeatsAcrossLines(t *testing.T) {
	s := validStatement(t)
	line, err := json.Marshal(dsa.Batch{Statements: []dsa.Statement{s}})
	require.NoError(t, err)
	data := append(append(append(line, '\n'), line...), '\n')
	_, err = dsa.ReadLines(bytes.NewReader(data))
	assert.Equal(t, dsa.CodeDuplicatePUID, policy.CodeOf(err))
	path, _ := policy.PathOf(err)
	assert.Equal(t, "lines[1].statements[0].puid", path)
}

// A campaign's statements, written plan by plan with every plan given
// twice, make lines of at most 100 statements with puids unique across
// the file, and the repeats are dropped.
func TestWriterLines(t *testing.T) {
	planner := enforcement.NewPlanner(policy.Default())
	cfg := synth.Default
	cfg.Groups = 400
	var out bytes.Buffer
	w := dsa.NewWriter(&out)
	var want []dsa.Statement
	for gc := range synth.Cases(cfg) {
		plan, err := planner.Plan(context.Background(), gc)
		require.NoError(t, err)
		statements, err := dsa.FromPlan(plan, policy.Default())
		require.NoError(t, err)
		require.NoError(t, w.Write(statements...))
		require.NoError(t, w.Write(statements...), "the same plan again")
		want = append(want, statements...)
	}
	require.NoError(t, w.Close())
	require.Greater(t, len(want), 2*dsa.MaxBatch)
	got := readLines(t, out.Bytes())
	assert.Equal(t, want, got)
	assert.Equal(t, len(want), w.Written())
	assert.Equal(t, len(want), w.Dropped())
	lines := bytes.Count(out.Bytes(), []byte("\n"))
	assert.Equal(t, (len(want)+dsa.MaxBatch-1)/dsa.MaxBatch, lines)
}

// A different statement under a puid written before, or an invalid one,
// is refused with a problem naming it, and nothing of the call is written.
func TestWriterRefuses(t *testing.T) {
	s := validStatement(t)
	var out bytes.Buffer
	w := dsa.NewWriter(&out)
	require.NoError(t, w.Write(s))
	other := s
	other.DecisionFacts = "other facts"
	fresh := s
	fresh.PUID = "fresh-1"
	err := w.Write(fresh, other)
	assert.Equal(t, dsa.CodeDuplicatePUID, policy.CodeOf(err))
	assert.Equal(t, []string{"statements[1].puid"}, problemPaths(t, err))
	bad := fresh
	bad.PUID = "bad puid"
	err = w.Write(fresh, bad)
	assert.Equal(t, []string{"statements[1].puid"}, problemPaths(t, err))
	require.NoError(t, w.Close())
	got := readLines(t, out.Bytes())
	require.Len(t, got, 1, "the refused calls wrote nothing")

	var empty bytes.Buffer
	require.NoError(t, dsa.NewWriter(&empty).Close())
	assert.Empty(t, empty.String(), "no statement, no line: an empty batch is not a request")
}

// ReadLines refuses every line that is not one request body the database
// would accept: the database reads keys case-sensitively, refuses null
// where a field must be left out, refuses what is not UTF-8 and a line
// that holds more than one JSON value. The same line written correctly
// is accepted.
func TestReadLinesReadsLinesAsTheDatabaseDoes(t *testing.T) {
	s := validStatement(t)
	raw, err := json.Marshal(s)
	require.NoError(t, err)
	good := `{"statements":[` + string(raw) + `]}`
	_, err = dsa.ReadLines(strings.NewReader(good + "\n"))
	require.NoError(t, err)
	for _, tt := range []struct{ name, line, path string }{
		{"a second value on the line", good + good, "lines[0]"},
		{"trailing garbage", good + " x", "lines[0]"},
		{"a key in another case", strings.Replace(good, `"puid"`, `"PUID"`, 1), "lines[0].statements[0].PUID"},
		{"the batch key in another case", strings.Replace(good, `"statements"`, `"Statements"`, 1), "lines[0].Statements"},
		{"null category_addition", strings.Replace(good, `"puid"`, `"category_addition":null,"puid"`, 1), "lines[0].statements[0].category_addition"},
		{"null incompatible_content_illegal", strings.Replace(good, `"incompatible_content_illegal":"Yes"`, `"incompatible_content_illegal":null`, 1),
			"lines[0].statements[0].incompatible_content_illegal"},
		{"not UTF-8", strings.Replace(good, "Arcus", "Arc\xffus", 1), "lines[0]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dsa.ReadLines(strings.NewReader(tt.line + "\n"))
			require.Error(t, err)
			path, _ := policy.PathOf(err)
			assert.Equal(t, tt.path, path, "%v", err)
		})
	}
}
