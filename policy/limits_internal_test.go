package policy

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// firstDuplicate finds what the obvious quadratic search finds, for lists
// of every size around its thresholds, with and without duplicates, reusing
// its pooled tables from one list to the next.
func TestFirstDuplicateIsTheFirst(t *testing.T) {
	reference := func(keys []string) (int, int, bool) {
		for i := range keys {
			for j := range i {
				if keys[j] == keys[i] {
					return i, j, true
				}
			}
		}
		return 0, 0, false
	}
	rng := rand.New(rand.NewPCG(13, 2))
	sizes := []int{0, 1, 2, 15, 16, 17, 31, 32, 33, 100, 4095, 4096, 4097, 9000}
	for range 40 {
		sizes = append(sizes, rng.IntN(300))
	}
	for _, n := range sizes {
		for _, distinct := range []int{n + 1, n, max(1, n/2), 3} {
			keys := make([]string, n)
			for i := range keys {
				keys[i] = fmt.Sprintf("account-%d", rng.IntN(max(1, distinct*4)))
			}
			if distinct > n {
				for i := range keys {
					keys[i] = fmt.Sprintf("account-%d", i) // none twice
				}
			}
			if n > 2000 && distinct != n+1 {
				if distinct != n {
					continue // the quadratic reference would take too long
				}
				for i := range keys {
					keys[i] = fmt.Sprintf("account-%d", i)
				}
				keys[n-1] = keys[n/2] // one duplicate, the last key
			}
			dup, first, ok := firstDuplicate(n, func(i int) string { return keys[i] })
			wdup, wfirst, wok := reference(keys)
			assert.Equal(t, [3]any{wdup, wfirst, wok}, [3]any{dup, first, ok}, "%d keys", n)
		}
	}
}
