package vocab

import (
	"encoding"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type enumValue interface {
	fmt.Stringer
	encoding.TextMarshaler
	encoding.TextAppender
	IsValid() bool
}

// Every value of every enum round-trips through its text, parses back,
// and the first value past the end is not valid and has no text.
func TestEnumsRoundTrip(t *testing.T) {
	check := func(t *testing.T, valid []enumValue, past enumValue, parse func(string) (enumValue, error), unmarshal func([]byte) (enumValue, error)) {
		for _, v := range valid {
			require.True(t, v.IsValid(), v.String())
			text, err := v.MarshalText()
			require.NoError(t, err)
			assert.Equal(t, v.String(), string(text))
			app, err := v.AppendText([]byte("x:"))
			require.NoError(t, err)
			assert.Equal(t, "x:"+string(text), string(app))
			p, err := parse(string(text))
			require.NoError(t, err)
			assert.Equal(t, v, p)
			u, err := unmarshal(text)
			require.NoError(t, err)
			assert.Equal(t, v, u)
		}
		assert.False(t, past.IsValid())
		_, err := past.MarshalText()
		assert.Error(t, err)
		_, err = parse("no-such-value")
		assert.Error(t, err)
	}
	t.Run("severity", func(t *testing.T) {
		check(t, []enumValue{SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}, SeverityCritical+1,
			func(s string) (enumValue, error) { return ParseSeverity(s) },
			func(b []byte) (enumValue, error) { var v Severity; err := v.UnmarshalText(b); return v, err })
		assert.False(t, Severity(0).IsValid(), "the zero severity is not valid")
	})
	t.Run("penalty", func(t *testing.T) {
		check(t, []enumValue{PenaltyNone, PenaltyWarn, PenaltyRestrict, PenaltySuspend, PenaltyBan, PenaltyClose}, PenaltyClose+1,
			func(s string) (enumValue, error) { return ParsePenalty(s) },
			func(b []byte) (enumValue, error) { var v Penalty; err := v.UnmarshalText(b); return v, err })
	})
	t.Run("intervention", func(t *testing.T) {
		check(t, []enumValue{InterventionLowered, InterventionPending, InterventionDisabled}, InterventionDisabled+1,
			func(s string) (enumValue, error) { return ParseIntervention(s) },
			func(b []byte) (enumValue, error) { var v Intervention; err := v.UnmarshalText(b); return v, err })
	})
	t.Run("account type", func(t *testing.T) {
		check(t, []enumValue{AccountPrivate, AccountBusiness}, AccountBusiness+1,
			func(s string) (enumValue, error) { return ParseAccountType(s) },
			func(b []byte) (enumValue, error) { var v AccountType; err := v.UnmarshalText(b); return v, err })
	})
}
