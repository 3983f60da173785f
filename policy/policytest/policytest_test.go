package policytest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/policy/policytest"
)

// A syntax error is placed at the line of the problem: yaml.v3 names the
// line of the enclosing construct, here the first line.
func TestParsePlacesSyntaxErrors(t *testing.T) {
	src := "cases:\n  - name: a\n    reason: b\n    input: {target: account\n    expect: {penalty: none}\n"
	_, err := policytest.Parse("f.yaml", []byte(src))
	require.Error(t, err)
	assert.Regexp(t, `^f\.yaml:4: `, err.Error())
}

func TestParseRefusesUnknownKeysAndNamelessCases(t *testing.T) {
	_, err := policytest.Parse("f.yaml", []byte("cases:\n  - name: a\n    reason: b\n    extra: 1\n"))
	assert.ErrorContains(t, err, "extra")
	_, err = policytest.Parse("f.yaml", []byte("cases:\n  - name: a\n    expect: {penalty: none}\n"))
	assert.ErrorContains(t, err, "f.yaml:2: case 1 needs a name and a reason")
}
