package funds

import (
	"slices"
	"time"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
)

// Limits of a claim, checked on every event.
const (
	// MaxAmount bounds every amount of a claim, in minor units, so that no
	// sum of them overflows. It is the largest holding a plan freezes
	// (enforcement.MaxAmount, 2^53), so every frozen holding opens a claim.
	MaxAmount = enforcement.MaxAmount
	// MaxEvents bounds the events of one claim. The last EndingEvents of
	// them are kept for ending it, so that a claim a loop of failed
	// payouts (a flaky bank) has taken to the limit can still be released,
	// remitted or paid: once a claim has MaxEvents-EndingEvents events it
	// accepts only a release, a remittance, a payout's confirmation or
	// failure, and lifting a legal hold.
	MaxEvents = 10000
	// EndingEvents is how many of a claim's MaxEvents are kept for ending
	// it: a payout in flight under a legal hold fails, the hold is lifted,
	// the claim is released.
	EndingEvents = 3
	// MaxText bounds each text field of an event (names, references, a
	// reason), in bytes: a claim keeps names and references and checks
	// them again on every event, so their size is bounded like their
	// number. A longer document belongs in the caller's store, named by
	// reference.
	MaxText = 4096
	// MinDormancyYears is the floor of the dormancy: funds are never
	// unclaimed after less than three calendar years without activity,
	// whatever Config.Dormancy says.
	MinDormancyYears = 3
)

// maxEvents is MaxEvents, lowered by tests that take a claim to its limit.
var maxEvents = MaxEvents

// Config is the configuration of funds recovery. Channels are configuration,
// not code.
type Config struct {
	// Routes are the channels per kind of asset; ban notices name the same
	// ones (enforcement.WithFundsRoutes(cfg.Routes)).
	Routes []enforcement.FundsRoute `json:"routes"`
	// Dormancy is how long a claim may stay without activity before its
	// funds count as unclaimed. It is never shorter than MinDormancyYears
	// calendar years: a zero or short Dormancy gets the floor.
	Dormancy time.Duration `json:"dormancy"`
	// AppealWindow is how long after a rejection the holder may appeal it.
	// It is never shorter than six calendar months (DSA Art. 20), whatever
	// is configured: see [AppealCloses].
	AppealWindow time.Duration `json:"appeal_window"`
	// Authority is the payee unclaimed funds are remitted to, as the law
	// names it; without one, nothing is ever remitted.
	Authority string `json:"authority"`
	// ValuationGrowth is how far valuation changes and a redemption may
	// take the holding above or below the level a second person last
	// vouched for (the freeze, or the last cosigned change) without a
	// second person, in basis points of that level (1000 is 10%): the
	// changes count together, so ten gains of 1% add up to 10%, and an
	// automated redemption far below what is held needs two people. Zero
	// means every change needs a cosigner.
	ValuationGrowth int64 `json:"valuation_growth"`
	// SeparateIdentityCheck, when set, means whoever checked the holder's
	// identity may not approve the claim. Whoever proposed a deduction
	// never may.
	SeparateIdentityCheck bool `json:"separate_identity_check"`
}

// DefaultConfig is the 2017 set-up: enforcement.DefaultFundsRoutes (the
// wallet balance through the customer-service hotline with a phone identity
// check, wealth-management funds through an online application with
// redemption before payout); unclaimed after five years and remitted to the
// unclaimed-property office; rejections open to appeal for six months; a
// gain of more than 10% needs a second person; the identity checker does
// not approve.
func DefaultConfig() Config {
	return Config{
		Routes:                enforcement.DefaultFundsRoutes(),
		Dormancy:              5 * 365 * 24 * time.Hour,
		AppealWindow:          183 * 24 * time.Hour,
		Authority:             "unclaimed-property office",
		ValuationGrowth:       1000,
		SeparateIdentityCheck: true,
	}
}

// Route returns the channel of an asset kind.
func (cfg Config) Route(k policy.AssetKind) (enforcement.FundsRoute, bool) {
	i := slices.IndexFunc(cfg.Routes, func(r enforcement.FundsRoute) bool { return r.Asset == k })
	if i < 0 {
		return enforcement.FundsRoute{}, false
	}
	return cfg.Routes[i], true
}

// AppealCloses is when an appeal window opened at t closes: after window,
// and never before six calendar months. It is the one place the six-month
// floor is written; penalty contests (package appeal) use it too.
func AppealCloses(t time.Time, window time.Duration) time.Time {
	closes := t.Add(window)
	if six := t.AddDate(0, 6, 0); six.After(closes) {
		closes = six
	}
	return closes
}

// dormantFrom is when a claim last active at t counts as unclaimed: after
// the configured dormancy, and never before MinDormancyYears calendar years.
func (cfg Config) dormantFrom(t time.Time) time.Time {
	from := t.Add(cfg.Dormancy)
	if floor := t.AddDate(MinDormancyYears, 0, 0); floor.After(from) {
		from = floor
	}
	return from
}

// growthBound is how much one valuation change may add to held without a
// second person.
func (cfg Config) growthBound(held int64) int64 {
	if cfg.ValuationGrowth <= 0 || held <= 0 {
		return 0
	}
	// held ≤ MaxAmount = 2^53, so held/10000*bps stays far from overflow
	// for any bound up to 1e6 basis points; larger bounds saturate.
	bps := min(cfg.ValuationGrowth, 1_000_000)
	return held / 10000 * bps
}
