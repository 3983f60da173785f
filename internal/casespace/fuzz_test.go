package casespace_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/internal/casespace"
)

// FuzzAnalyze generates a small policy from the fuzzer's numbers (a seed,
// how many expressions, how deep, the size limit) and decides every cell's
// representative and random cases both ways, as TestGenerated does.
func FuzzAnalyze(f *testing.F) {
	f.Add(uint64(1), uint8(8), uint8(3), uint16(0))
	f.Add(uint64(2), uint8(20), uint8(4), uint16(32))
	f.Add(uint64(3), uint8(1), uint8(6), uint16(1))
	env := newEnv(f)
	vars := variables(f, env)
	f.Fuzz(func(t *testing.T, seed uint64, n, depth uint8, limit uint16) {
		r := rand.New(rand.NewPCG(seed, uint64(n)<<8|uint64(depth)))
		var exprs []casespace.Expr
		for i := range int(n%24) + 1 {
			src := genCondition(r, int(depth%6))
			if i%5 == 4 {
				src = genPenalty(r)
			}
			exprs = append(exprs, casespace.Expr{Name: fmt.Sprintf("rules[%d]", i), Ast: compile(t, env, src)})
		}
		s, err := casespace.Analyze(env, domains(), exprs, casespace.Options{MaxCells: int(limit % 2048), Variables: vars})
		require.NoError(t, err)
		newReference(t, env, s, exprs, vars).checkAll(t, seed, 50)
	})
}
