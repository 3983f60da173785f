package policytest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/policy/policytest"
)

// A syntax error is placed at the line and column of the problem: yaml.v3
// names the line of the enclosing construct, here the first line, and no
// column.
func TestParsePlacesSyntaxErrors(t *testing.T) {
	src := "cases:\n  - name: a\n    reason: b\n    input: {target: account\n    expect: {penalty: none}\n"
	_, err := policytest.Parse("f.yaml", []byte(src))
	require.Error(t, err)
	assert.EqualError(t, err, "f.yaml:4:13: did not find expected ',' or '}'")
}

// A badly indented line of a fixture file is named as such.
func TestParseNamesBadIndentation(t *testing.T) {
	src := "cases:\n  - name: a\n    reason: b\n   expect: {penalty: none}\n"
	_, err := policytest.Parse("f.yaml", []byte(src))
	require.Error(t, err)
	assert.EqualError(t, err, "f.yaml:4:4: bad indentation: the line is indented by 3 spaces, but the keys and items above it "+
		"are indented by 4, 2 or 0; indent it like the key or item it goes with (yaml: did not find expected '-' indicator)")
}

func TestParseRefusesUnknownKeysAndNamelessCases(t *testing.T) {
	_, err := policytest.Parse("f.yaml", []byte("cases:\n  - name: a\n    reason: b\n    extra: 1\n"))
	assert.ErrorContains(t, err, "extra")
	_, err = policytest.Parse("f.yaml", []byte("cases:\n  - name: a\n    expect: {penalty: none}\n"))
	assert.ErrorContains(t, err, "f.yaml:2: case 1 needs a name and a reason")
}
