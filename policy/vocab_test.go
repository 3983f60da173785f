package policy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestVocabAliasesCurrent regenerates vocab.go and compares: the aliases
// must re-export every name of internal/vocab, with its doc comment.
func TestVocabAliasesCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator")
	}
	out := filepath.Join(t.TempDir(), "vocab.go")
	cmd := exec.Command("go", "run", "../internal/aliasgen", "../internal/vocab", out)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Run())
	want, err := os.ReadFile(out)
	require.NoError(t, err)
	got, err := os.ReadFile("vocab.go")
	require.NoError(t, err)
	require.Equal(t, string(want), string(got), "policy/vocab.go is stale: run go generate ./policy")
}
