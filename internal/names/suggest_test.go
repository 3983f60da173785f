package names

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestClosest(t *testing.T) {
	for _, tc := range []struct {
		word       string
		candidates []string
		want       []string
	}{
		{"user.age", Names(), []string{"subject.age", "group.age"}},
		{"subject.agee", Names(), []string{"subject.age"}},
		{"violation.severty", Names(), []string{"violation.severity"}},
		{"spma", []string{"csam", "spam", "scam"}, []string{"spam"}},
		{"bann", []string{"none", "warn", "restrict", "suspend", "ban", "close"}, []string{"ban"}},
		{"double_judgement", []string{"double_judgment", "due_process"}, []string{"double_judgment"}},
		{"acount", []string{"account", "group"}, []string{"account"}},
		{"weather", Names(), nil},
		{"spam", []string{"spam"}, nil},               // the word itself is no suggestion
		{"", []string{"a", "bc"}, []string{"a"}},      // one edit from nothing
		{"x", []string{"a", "a", "a"}, []string{"a"}}, // duplicates once
		{"penalty.bann", []string{"penalty.ban", "penalty.warn"}, []string{"penalty.ban"}},
		{"group.member", Names(), []string{"group.members"}},
	} {
		assert.Equal(t, tc.want, Closest(tc.word, tc.candidates), tc.word)
	}
}

func TestClosestAtMostThree(t *testing.T) {
	assert.Equal(t, []string{"aa", "ab", "ac"}, Closest("a", []string{"aa", "ab", "ac", "ad"}))
}

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"spma", "spam", 1}, {"kitten", "sitting", 3},
		{"abc", "abc", 0}, {"ca", "abc", 3},
	} {
		assert.Equal(t, tc.want, distance(tc.a, tc.b), "%s/%s", tc.a, tc.b)
		assert.Equal(t, tc.want, distance(tc.b, tc.a), "%s/%s", tc.b, tc.a)
	}
}

func TestDidYouMean(t *testing.T) {
	assert.Equal(t, " (did you mean subject.age or group.age?)", DidYouMean("user.age", Names()))
	assert.Equal(t, "", DidYouMean("weather", Names()))
	assert.Equal(t, "a, b or c", Or([]string{"a", "b", "c"}))
}
