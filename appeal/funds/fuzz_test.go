package funds_test

import (
	"encoding/json"
	"testing"

	"github.com/groupwarden/warden/appeal/funds"
)

// FuzzReplay reads a log from JSON and replays it: never a panic; a log
// that replays gives a claim that is consistent, conserves money, verifies
// against its own log and survives JSON; a refusal is typed.
func FuzzReplay(f *testing.F) {
	cfg := funds.DefaultConfig()
	var c funds.Claim
	var log []funds.Event
	for _, e := range walletFlow() {
		e = c.Next(e)
		var err error
		if c, err = cfg.Apply(c, e, now); err != nil {
			f.Fatal(err)
		}
		log = append(log, e)
	}
	seed, _ := json.Marshal(log)
	f.Add(seed)
	half, _ := json.Marshal(log[:4])
	f.Add(half)
	f.Add([]byte(`[{"id":"1","seq":1,"kind":"frozen","at":"2026-01-01T00:00:00Z","account":"a","currency":"CNY","amount":-5}]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var events []funds.Event
		if json.Unmarshal(raw, &events) != nil || len(events) > 200 {
			return
		}
		c, err := cfg.Replay(events, now)
		if err != nil {
			var re *funds.RefusedError
			if !asRefused(err, &re) {
				t.Fatalf("%v is not a *RefusedError", err)
			}
			return
		}
		if err := cfg.Check(c); err != nil {
			t.Fatalf("a replayed claim is inconsistent: %v", err)
		}
		if !c.Conserved() {
			t.Fatalf("a replayed claim does not conserve money: %+v", c)
		}
		if err := cfg.Verify(c, events, now); err != nil {
			t.Fatalf("a replayed claim does not verify against its log: %v", err)
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		var back funds.Claim
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if err := cfg.Check(back); err != nil {
			t.Fatalf("a replayed claim read back from JSON is inconsistent: %v", err)
		}
	})
}

func asRefused(err error, re **funds.RefusedError) bool {
	r, ok := err.(*funds.RefusedError)
	*re = r
	return ok
}
