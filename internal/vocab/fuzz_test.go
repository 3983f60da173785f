package vocab_test

import (
	"encoding"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/internal/vocab"
)

// textSeeds are the words of the policies and cases under testdata: the
// values of duration and enum fields as rule authors write them.
func textSeeds(f *testing.F) []string {
	f.Helper()
	var paths []string
	for _, glob := range []string{"../../testdata/policies/*/*.yaml", "../../testdata/cases/*.yaml", "../../testdata/plans/*.yaml", "../../policy/default.yaml"} {
		m, err := filepath.Glob(glob)
		require.NoError(f, err)
		paths = append(paths, m...)
	}
	require.NotEmpty(f, paths)
	word := regexp.MustCompile(`(?m)(?:duration|window|penalty|severity|role|target|method|source|verdict|type|kind|guard|intervention): *([A-Za-z0-9_.-]+)`)
	seen := map[string]bool{}
	var words []string
	for _, p := range paths {
		src, err := os.ReadFile(p)
		require.NoError(f, err)
		for _, m := range word.FindAllSubmatch(src, -1) {
			if w := string(m[1]); !seen[w] {
				seen[w] = true
				words = append(words, w)
			}
		}
	}
	return words
}

// FuzzDuration parses duration text, seeded with every duration of the
// testdata policies and fixtures. A refusal gives the zero Duration; a
// parsed duration is never negative and prints as text that parses back to
// it (print, parse, print is a fixed point); and every non-negative
// duration, printed, parses back to itself.
func FuzzDuration(f *testing.F) {
	for _, w := range textSeeds(f) {
		f.Add(w, int64(0))
	}
	f.Add("30d", int64(30*24*time.Hour))
	f.Add("1h30m", int64(90*time.Minute))
	f.Add("65535d", int64(1<<63-1))
	f.Fuzz(func(t *testing.T, s string, n int64) {
		d, err := vocab.ParseDuration(s)
		var u vocab.Duration
		uerr := u.UnmarshalText([]byte(s))
		require.Equal(t, err == nil, uerr == nil, "ParseDuration and UnmarshalText agree on %q", s)
		if err != nil {
			require.Zero(t, d, "an error means no duration")
			require.Zero(t, u, "an error means no duration")
		} else {
			require.Equal(t, d, u)
			require.GreaterOrEqual(t, d, vocab.Duration(0), "%q parsed as a negative duration", s)
			roundTrip(t, d)
		}
		if n >= 0 {
			roundTrip(t, vocab.Duration(n))
		}
	})
}

func roundTrip(t *testing.T, d vocab.Duration) {
	t.Helper()
	text, err := d.MarshalText()
	require.NoError(t, err)
	require.Equal(t, d.String(), string(text))
	back, err := vocab.ParseDuration(string(text))
	require.NoError(t, err, "%d printed as %q does not parse", int64(d), text)
	require.Equal(t, d, back, "%d printed as %q parses as %d", int64(d), text, int64(back))
}

type enumValue interface {
	fmt.Stringer
	encoding.TextMarshaler
	IsValid() bool
}

// enum is one enum of the vocabulary: its parser, its unmarshaler and a
// value from a number.
type enum struct {
	name      string
	parse     func(string) (enumValue, error)
	unmarshal func([]byte) (enumValue, error)
	of        func(uint8) enumValue
}

func enumOf[T any, P interface {
	*T
	encoding.TextUnmarshaler
}](name string, parse func(string) (T, error), of func(uint8) T) enum {
	return enum{
		name: name,
		parse: func(s string) (enumValue, error) {
			v, err := parse(s)
			return any(v).(enumValue), err
		},
		unmarshal: func(b []byte) (enumValue, error) {
			var v T
			err := P(&v).UnmarshalText(b)
			return any(v).(enumValue), err
		},
		of: func(n uint8) enumValue { return any(of(n)).(enumValue) },
	}
}

var enums = []enum{
	enumOf("AccountType", vocab.ParseAccountType, func(n uint8) vocab.AccountType { return vocab.AccountType(n) }),
	enumOf("AssetKind", vocab.ParseAssetKind, func(n uint8) vocab.AssetKind { return vocab.AssetKind(n) }),
	enumOf("Severity", vocab.ParseSeverity, func(n uint8) vocab.Severity { return vocab.Severity(n) }),
	enumOf("Role", vocab.ParseRole, func(n uint8) vocab.Role { return vocab.Role(n) }),
	enumOf("Target", vocab.ParseTarget, func(n uint8) vocab.Target { return vocab.Target(n) }),
	enumOf("Penalty", vocab.ParsePenalty, func(n uint8) vocab.Penalty { return vocab.Penalty(n) }),
	enumOf("Method", vocab.ParseMethod, func(n uint8) vocab.Method { return vocab.Method(n) }),
	enumOf("Source", vocab.ParseSource, func(n uint8) vocab.Source { return vocab.Source(n) }),
	enumOf("Verdict", vocab.ParseVerdict, func(n uint8) vocab.Verdict { return vocab.Verdict(n) }),
	enumOf("Guard", vocab.ParseGuard, func(n uint8) vocab.Guard { return vocab.Guard(n) }),
	enumOf("Intervention", vocab.ParseIntervention, func(n uint8) vocab.Intervention { return vocab.Intervention(n) }),
}

// FuzzEnumText parses text as every enum of the vocabulary and prints
// every number as each, seeded with the enum words of the testdata. A
// refusal gives the zero value; a parsed value prints as exactly the text
// it was parsed from and the parser and UnmarshalText agree; a value
// that marshals parses back to itself, and one that is not valid does not
// marshal.
func FuzzEnumText(f *testing.F) {
	for _, w := range textSeeds(f) {
		f.Add(w, uint8(0))
	}
	for n := range 8 {
		f.Add("", uint8(n))
	}
	f.Fuzz(func(t *testing.T, s string, n uint8) {
		for _, e := range enums {
			v, err := e.parse(s)
			u, uerr := e.unmarshal([]byte(s))
			require.Equal(t, err == nil, uerr == nil, "%s: Parse and UnmarshalText agree on %q", e.name, s)
			require.Equal(t, v, u, "%s: Parse and UnmarshalText agree on %q", e.name, s)
			if err != nil {
				require.Equal(t, e.of(0), v, "%s: an error means the zero value", e.name)
			} else {
				require.Equal(t, s, v.String(), "%s: %q parses as a value that prints differently", e.name, s)
				text, err := v.MarshalText()
				require.NoError(t, err)
				require.Equal(t, s, string(text))
			}
			x := e.of(n)
			text, err := x.MarshalText()
			if err != nil {
				require.False(t, x.IsValid(), "%s %d is valid but does not marshal", e.name, n)
				continue
			}
			require.Equal(t, x.String(), string(text), "%s %d", e.name, n)
			back, err := e.parse(string(text))
			require.NoError(t, err, "%s %d marshals as %q, which does not parse", e.name, n, text)
			require.Equal(t, x, back, "%s %d round trip", e.name, n)
			if n != 0 {
				require.True(t, x.IsValid(), "%s %d marshals as %q but is not valid", e.name, n, text)
			}
		}
	})
}
