package names

import (
	"slices"
	"strings"
)

// Closest returns the candidates nearest to word, in the order given, at
// most three: those at the smallest edit distance (a transposed pair of
// letters counts as one edit), if it is small for the word's length. A
// dotted name is compared by its last part with the names of its namespace
// (violation.severty: violation.severity), and is near the names of other
// namespaces with the same last part (user.age: subject.age and
// group.age). It returns none when nothing is near; word itself is never
// among them.
func Closest(word string, candidates []string) []string {
	type near struct {
		name string
		dist int
	}
	var found []near
	for _, c := range candidates {
		if c == word || slices.ContainsFunc(found, func(n near) bool { return n.name == c }) {
			continue
		}
		a, b := word, c
		if i, j := strings.LastIndexByte(word, '.'), strings.LastIndexByte(c, '.'); i >= 0 && j >= 0 {
			switch {
			case word[:i] == c[:j]: // the same namespace: compare the fields
				a, b = word[i+1:], c[j+1:]
			case word[i:] == c[j:]: // the same field in another namespace
				a, b = "", "."
			}
		}
		if d := distance(a, b); d <= max(1, len(a)/3) {
			found = append(found, near{c, d})
		}
	}
	best := slices.MinFunc(append(found, near{dist: 1 << 30}), func(a, b near) int { return a.dist - b.dist }).dist
	found = slices.DeleteFunc(found, func(n near) bool { return n.dist > best })
	var out []string
	for _, n := range found[:min(3, len(found))] {
		out = append(out, n.name)
	}
	return out
}

// DidYouMean returns " (did you mean a, b or c?)" for the candidates
// nearest to word, or "" when none is near.
func DidYouMean(word string, candidates []string) string {
	near := Closest(word, candidates)
	if len(near) == 0 {
		return ""
	}
	return " (did you mean " + Or(near) + "?)"
}

// Or joins words as a sentence lists alternatives: "a", "a or b", "a, b or c".
func Or(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// Names returns the names of the table, in the order of the reference.
func Names() []string {
	out := make([]string, len(table))
	for i, n := range table {
		out[i] = n.Name
	}
	return out
}

// distance is the optimal string alignment distance between a and b, by
// bytes: insertions, deletions, substitutions and transpositions of two
// adjacent bytes.
func distance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
