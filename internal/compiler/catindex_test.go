package compiler

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/internal/vocab"
)

// CategoryIndex agrees with the map of names on generated catalogues,
// whether they get a table of slots or fall back to the map: for
// every category, and for names that are not one (the empty name, and
// near misses that keep the length and both ends, so the slot).
func TestCategoryIndexAgreesWithMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	const letters = "abcdefghijklmnopqrstuvwxyz_"
	name := func() string {
		b := make([]byte, 1+rng.IntN(20))
		for i := range b {
			b[i] = letters[rng.IntN(len(letters))]
		}
		return string(b)
	}
	slotted := 0
	for i := range 2000 {
		p := &Policy{CatIndex: map[string]uint8{}}
		add := func(s string) {
			if _, dup := p.CatIndex[s]; !dup {
				p.CatIndex[s] = uint8(len(p.Categories))
				p.Categories = append(p.Categories, vocab.Category{Name: s})
			}
		}
		n := 1 + rng.IntN(24)
		if i%10 == 9 {
			n = 65 + rng.IntN(190) // too many for the slots
		}
		for len(p.Categories) < n {
			add(name())
		}
		if i%10 == 5 {
			// A twin that no multiplier can tell apart: the same length
			// and the same bytes where the slot reads them.
			add("ab" + "c" + "de")
			add("ax" + "c" + "ye")
		}
		p.slotCategories()
		if p.catSlots != nil {
			slotted++
		}
		probes := []string{""}
		for _, c := range p.Categories {
			probes = append(probes, c.Name)
			if n := len(c.Name); n > 2 {
				b := []byte(c.Name)
				b[1+rng.IntN(n-2)] ^= 1
				probes = append(probes, string(b))
			}
			probes = append(probes, name())
		}
		for _, s := range probes {
			want, wantOK := p.CatIndex[s]
			got, ok := p.CategoryIndex(s)
			require.Equal(t, wantOK, ok, "%q in %v", s, p.Categories)
			if ok {
				require.Equal(t, want, got, "%q", s)
			}
		}
	}
	require.Greater(t, slotted, 200, "small catalogues get their table of slots")
	require.LessOrEqual(t, slotted, 1600, "crowded catalogues and twins fall back to the map")
}
