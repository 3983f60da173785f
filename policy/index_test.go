package policy

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/internal/compiler"
)

// withoutIndex returns a copy of the engine that evaluates every rule of a
// target for every violation and subject: the slow, obviously correct
// reference for the category and subject indexes.
func withoutIndex(e *Engine) *Engine {
	slow := *e.p
	slow.Rules = nil
	for _, r := range e.p.Rules {
		plain := *r
		plain.Categories, plain.NeedsActor, plain.Roles = nil, false, nil
		plain.Cond, plain.Implied, plain.VarChecks = plain.When, false, nil
		slow.Rules = append(slow.Rules, &plain)
	}
	slow.Index()
	slow.Spaces = [3]*compiler.Space{}
	return newEngine(&slow)
}

// TestIndexChangesNoDecision decides every fixture input with and without
// the indexes: the decisions must be identical.
func TestIndexChangesNoDecision(t *testing.T) {
	paths, err := filepath.Glob("../testdata/cases/*.yaml")
	require.NoError(t, err)
	engines := map[string]*Engine{}
	compared := 0
	for _, path := range paths {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		var file struct {
			Policy string `yaml:"policy"`
			Cases  []struct {
				Input Case `yaml:"input"`
			} `yaml:"cases"`
		}
		require.NoError(t, yaml.Unmarshal(data, &file), path)
		e := Default()
		if file.Policy != "" {
			p := filepath.Join(filepath.Dir(path), file.Policy)
			if engines[p] == nil {
				src, err := os.ReadFile(p)
				require.NoError(t, err)
				engines[p], err = Compile(p, src)
				require.NoError(t, err)
			}
			e = engines[p]
		}
		slow := withoutIndex(e)
		for i, c := range file.Cases {
			fast, errFast := e.Decide(context.Background(), c.Input)
			ref, errRef := slow.Decide(context.Background(), c.Input)
			require.Equal(t, errRef, errFast, "%s case %d", path, i+1)
			require.Equal(t, ref, fast, "%s case %d", path, i+1)
			compared++
		}
	}
	require.Greater(t, compared, 100)
}

func TestIndexReadsRequirements(t *testing.T) {
	e := Default()
	byID := map[string]*compiler.Rule{}
	for _, r := range e.p.Rules {
		byID[r.ID] = r
	}
	leaders := compiler.RoleSet{false, true, true, false}
	for _, tt := range []struct {
		id         string
		zeroTol    bool
		needsActor bool
		roles      compiler.RoleSet
	}{
		{"focus-leader-ban", true, false, leaders},
		{"focus-actor-ban", true, true, nil},
		{"other-actor-repeat", false, true, nil},
		{"other-leader-responsibility", false, false, leaders},
	} {
		r := byID[tt.id]
		require.NotNil(t, r, tt.id)
		require.Equal(t, tt.needsActor, r.NeedsActor, tt.id)
		require.Equal(t, tt.roles, r.Roles, tt.id)
		require.NotNil(t, r.Categories, tt.id)
		for i, c := range e.p.Categories {
			require.Equal(t, c.ZeroTolerance == tt.zeroTol, r.Categories[i], "%s %s", tt.id, c.Name)
		}
	}
}
