package policy

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

// distinctInPlanOrder, the fast path of the members' duplicate check,
// vouches for a list only when the duplicate table finds no id twice, and
// does vouch for every list in plan order without one: lists generated
// from a seed, sorted or not, with ids repeated within a role and across
// roles, of every role mix (no owner, no admin, no member).
func TestDistinctInPlanOrderIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 5))
	planOrder := func(a, b Membership) int { // by role, then by id, as plans list members
		return cmp.Or(cmp.Compare(a.Role, b.Role), strings.Compare(a.Account.ID, b.Account.ID))
	}
	vouched := 0
	for range 20000 {
		n := rng.IntN(40)
		ids := max(1, rng.IntN(3*n+2))
		ms := make([]Membership, n)
		for i := range ms {
			ms[i] = Membership{Role: Role(1 + rng.IntN(3)), Account: Account{ID: fmt.Sprintf("a%d", rng.IntN(ids))}}
			if rng.IntN(4) == 0 {
				ms[i].Role = RoleMember
			}
		}
		if rng.IntN(3) > 0 {
			slices.SortFunc(ms, planOrder)
		}
		if rng.IntN(3) == 0 {
			// Distinct ids, then sorted: the fast path must take these.
			for i := range ms {
				ms[i].Account.ID = fmt.Sprintf("b%03d", rng.IntN(1000)*100+i)
			}
			slices.SortFunc(ms, planOrder)
		}
		_, _, dup := firstDuplicate(n, func(i int) string { return ms[i].Account.ID })
		inOrder := slices.IsSortedFunc(ms, planOrder)
		got := distinctInPlanOrder(ms)
		if got {
			vouched++
		}
		require.Equal(t, inOrder && !dup, got, "%v", ms)
	}
	require.Greater(t, vouched, 5000, "the fast path is taken")
}
