package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// The generated enums are checked in; each must be what the list gives
// today: run go generate ./... after editing a list.
func TestGeneratedEnumsCurrent(t *testing.T) {
	for _, dir := range []string{"../vocab", "../../enforcement"} {
		enums, err := parse(filepath.Join(dir, "enums.list"))
		require.NoError(t, err, dir)
		want, err := generate(filepath.Base(mustAbs(dir)), enums)
		require.NoError(t, err, dir)
		got, err := os.ReadFile(filepath.Join(dir, "enums_gen.go"))
		require.NoError(t, err, dir)
		require.Equal(t, string(want), string(got), "%s/enums_gen.go is stale: go generate ./...", dir)
	}
}

func TestParseRefusesMalformedLists(t *testing.T) {
	for name, src := range map[string]string{
		"value before type":  "\tA a\n",
		"header":             "Kind no doc\n\tA a\n",
		"late invalid zero":  "K: kind: doc\n\tA a\n\t-\n",
		"value without text": "K: kind: doc\n\tA\n",
	} {
		p := filepath.Join(t.TempDir(), "enums.list")
		require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
		_, err := parse(p)
		require.Error(t, err, name)
	}
}
