package funds_test

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/appeal/funds"
)

// textFields sets each text field of an event, by its path.
var textFields = map[string]func(e *funds.Event, s string){
	"id":                  func(e *funds.Event, s string) { e.ID = s },
	"by":                  func(e *funds.Event, s string) { e.By = s },
	"cosigner":            func(e *funds.Event, s string) { e.Cosigner = s },
	"account":             func(e *funds.Event, s string) { e.Account = s },
	"holder":              func(e *funds.Event, s string) { e.Holder = s },
	"currency":            func(e *funds.Event, s string) { e.Currency = s },
	"product":             func(e *funds.Event, s string) { e.Product = s },
	"channel":             func(e *funds.Event, s string) { e.Channel = s },
	"method":              func(e *funds.Event, s string) { e.Method = s },
	"reference":           func(e *funds.Event, s string) { e.Reference = s },
	"payee":               func(e *funds.Event, s string) { e.Payee = s },
	"reason":              func(e *funds.Event, s string) { e.Reason = s },
	"destination.account": func(e *funds.Event, s string) { e.Destination.Account = s },
	"destination.name":    func(e *funds.Event, s string) { e.Destination.Name = s },
}

// JSON writes a byte that is not UTF-8 as \ufffd and reads it back as the
// character U+FFFD, which it writes again as itself: an event with such a
// byte is not the event read back from storage. Its digest changes, so the
// stored log no longer replays and a retry of the stored event is an id
// conflict. Apply refuses text that is not UTF-8, in every field, before
// it reaches the log.
func TestTextJSONCannotKeepIsRefused(t *testing.T) {
	cfg := funds.DefaultConfig()
	rng := rand.New(rand.NewPCG(3, 5))
	bad := func() string {
		b := []byte("cb-991")
		b[rng.IntN(len(b))] = byte(0x80 + rng.IntN(0x80)) // a lone continuation or lead byte
		return string(b)
	}
	c, _ := stamp(t, cfg, walletFlow()[:3]) // identity verified
	for path, set := range textFields {
		for range 5 {
			e := walletFlow()[3] // the chargeback
			set(&e, bad())
			got, err := step(cfg, c, e)
			re := requireRefused(t, err, funds.CodeInvalidEvent)
			assert.Equal(t, path, re.Path)
			assert.Equal(t, c, got, "the claim is unchanged")
		}
	}
	// Valid text of any script, U+FFFD itself included, is stored and
	// replays: the log read back is the log written.
	flow := walletFlow()
	flow[3].Payee = "original payer \ufffd of order 991, 李伟"
	c, events := stamp(t, cfg, flow)
	b, err := json.Marshal(events)
	require.NoError(t, err)
	var back []funds.Event
	require.NoError(t, json.Unmarshal(b, &back))
	require.NoError(t, cfg.Verify(reload(t, c), back, now))
	again, err := cfg.Apply(reload(t, c), back[3], now)
	require.NoError(t, err, "the stored event is a retry")
	assert.Equal(t, c.Version, again.Version)
}

// Every text field is bounded: a claim keeps names and references and
// checks them again on every event, so a thousand pending deductions with
// megabyte references would make each event cost seconds. MaxText bytes
// pass; one byte more is refused, in every field, with the claim
// unchanged.
func TestTextIsBounded(t *testing.T) {
	cfg := funds.DefaultConfig()
	c, _ := stamp(t, cfg, walletFlow()[:3])      // identity verified
	long := strings.Repeat("é", funds.MaxText/2) // MaxText bytes
	for path, set := range textFields {
		e := walletFlow()[3]
		set(&e, long+"x")
		got, err := step(cfg, c, e)
		re := requireRefused(t, err, funds.CodeLimit)
		assert.Equal(t, path, re.Path)
		assert.Equal(t, c, got)
	}
	e := walletFlow()[3]
	e.Reference, e.Payee, e.Reason = long, long, long
	_, err := step(cfg, c, e)
	require.NoError(t, err, "MaxText bytes are text like any")
}
