// Package synth generates synthetic group cases shaped like the 2017 group
// clean-up, deterministically from a seed, for the examples, tests and
// benchmarks, and for programs outside this module that want the same
// campaign (the Beam pipeline reads it too).
//
// It is synthetic test data, not part of warden's API: the shape of the
// cases and the figures they produce may change with any release.
package synth

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"time"

	"github.com/groupwarden/warden/enforcement"
	"github.com/groupwarden/warden/policy"
)

// Start and End bound the campaign month the cases fall in. The campaign
// is shaped like 2017's but dated in 2026, so that its statements of reasons
// fall within the dates the DSA Transparency Database accepts.
var (
	Start = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	End   = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
)

// Focus are the categories the 2017 campaign focused on.
var Focus = []string{"csam", "pii_trafficking"}

var others = []string{"fraud", "gambling", "adult_content", "violent_extremism", "harassment", "spam", "disinformation", "other"}

// Config shapes a synthetic campaign.
type Config struct {
	Seed   uint64
	Groups int
	// FocusShare is the share of groups with a focus-category violation.
	FocusShare float64
	// MinMembers and MaxMembers bound the size of a group, owner included.
	MinMembers, MaxMembers int
	// Shared is the share of owners, admins and members drawn from a
	// platform-wide pool of Pool accounts, so that one account owns,
	// administers or sits in several groups, as on a real platform. An
	// account of the pool looks the same in every group it is in.
	Shared float64
	Pool   int
}

// Default is the campaign the cleanup example runs: 4,500 groups, a fifth
// of them in the focus categories, every account in one group only.
var Default = Config{Seed: 2017, Groups: 4500, FocusShare: 0.2, MinMembers: 3, MaxMembers: 40}

// Platform is Default with a tenth of the accounts drawn from a pool of
// accounts each in several groups (about 18 on average with the default
// 4,500 groups): the campaign that exercises one measure per account.
func Platform() Config {
	c := Default
	c.Shared, c.Pool = 0.1, 500
	return c
}

// Cases streams the campaign's group cases; each is built when it is
// needed, so memory does not grow with the number of groups.
func Cases(cfg Config) iter.Seq[enforcement.GroupCase] {
	return func(yield func(enforcement.GroupCase) bool) {
		rng := rand.New(rand.NewPCG(cfg.Seed, 0x636c65616e7570))
		for i := range cfg.Groups {
			if !yield(groupCase(rng, cfg, i)) {
				return
			}
		}
	}
}

func chance(rng *rand.Rand, p float64) bool { return rng.Float64() < p }

func between(rng *rand.Rand, lo, hi int) int { return lo + rng.IntN(hi-lo+1) }

// severity draws a severity with the given weights for low, medium, high, critical.
func severity(rng *rand.Rand, w [4]float64) policy.Severity {
	x := rng.Float64() * (w[0] + w[1] + w[2] + w[3])
	for i, wi := range w {
		if x < wi {
			return policy.Severity(i + 1)
		}
		x -= wi
	}
	return policy.SeverityCritical
}

func groupCase(rng *rand.Rand, cfg Config, i int) enforcement.GroupCase {
	// A few cases fall just outside the campaign month and are skipped.
	span := End.Sub(Start) + 48*time.Hour
	now := Start.Add(-24 * time.Hour).Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Minute)
	gid := fmt.Sprintf("group-%06d", i)
	n := between(rng, cfg.MinMembers, cfg.MaxMembers)
	admins := min(n-1, between(rng, 0, 2)*boolInt(chance(rng, 0.6)))
	g := policy.Group{ID: gid, Owner: gid + "-owner", Members: n, Created: now.AddDate(0, -between(rng, 1, 48), 0)}
	gc := enforcement.GroupCase{Group: g, Now: now}
	inGroup := map[int]bool{}
	for j := range n {
		id := fmt.Sprintf("%s-m%02d", gid, j)
		if j == 0 {
			id = g.Owner
		}
		a := policy.Account{ID: id, RealNameVerified: chance(rng, 0.8), Created: now.AddDate(0, -between(rng, 1, 60), 0)}
		if chance(rng, 0.3) {
			a.Holdings = append(a.Holdings, policy.Holding{Kind: policy.AssetWallet, Amount: int64(between(rng, 100, 500000)), Currency: "CNY"})
		}
		if chance(rng, 0.05) {
			a.Holdings = append(a.Holdings, policy.Holding{Kind: policy.AssetWealthManagement, Amount: int64(between(rng, 100000, 5000000)), Currency: "CNY", Product: "money-market fund"})
		}
		if cfg.Pool > 0 && chance(rng, cfg.Shared) {
			if k := rng.IntN(cfg.Pool); !inGroup[k] {
				inGroup[k] = true
				a = pooled(cfg.Seed, k)
			}
		}
		role := policy.RoleMember
		switch {
		case j == 0:
			role = policy.RoleOwner
			gc.Group.Owner, g.Owner = a.ID, a.ID
		case j <= admins:
			role = policy.RoleAdmin
			gc.Group.Admins = append(gc.Group.Admins, a.ID)
		}
		gc.Members = append(gc.Members, policy.Membership{Account: a, Role: role})
	}
	focus := chance(rng, cfg.FocusShare)
	var category string
	var sev policy.Severity
	if focus {
		category = Focus[rng.IntN(len(Focus))]
		sev = severity(rng, [4]float64{0.2, 0.45, 0.25, 0.1})
	} else {
		category = others[rng.IntN(len(others))]
		sev = severity(rng, [4]float64{0.1, 0.1, 0.25, 0.55})
		// Groups with a record climb the group ladder.
		for k := range between(rng, 0, 4) * boolInt(chance(rng, 0.5)) {
			gc.Group.History = append(gc.Group.History, policy.Record{At: now.AddDate(0, -1-k*2, 0), Penalty: policy.PenaltyWarn, Category: category})
		}
	}
	// Who posted it: a member, the owner, or nobody identified.
	// Focus content is more often shared anonymously.
	memberActor, ownerActor := 0.6, 0.15
	if focus {
		memberActor, ownerActor = 0.3, 0.15
	}
	actor := ""
	switch x := rng.Float64(); {
	case x < memberActor:
		actor = gc.Members[between(rng, min(admins+1, n-1), n-1)].Account.ID
	case x < memberActor+ownerActor:
		actor = g.Owner
	}
	if actor != "" && !focus && chance(rng, 0.4) {
		// Repeat offenders climb the account ladder.
		for k, m := range gc.Members {
			if m.Account.ID == actor {
				for h := range between(rng, 2, 4) {
					gc.Members[k].Account.History = append(gc.Members[k].Account.History,
						policy.Record{At: now.AddDate(0, -1-h*2, 0), Penalty: policy.PenaltyWarn, Category: category})
				}
			}
		}
	}
	detected := now.Add(-time.Duration(between(rng, 30, 14*24*60)) * time.Minute)
	v := policy.Violation{
		ID: gid + "-v1", Category: category, Severity: sev, Actor: actor, Group: gid,
		Committed: detected.Add(-time.Duration(between(rng, 1, 72)) * time.Hour), Detected: detected,
	}
	method := policy.MethodClassifier
	if focus {
		method = policy.MethodHashMatch
	}
	if chance(rng, 0.95) {
		v.Evidence.Identifications = []policy.Identification{{Method: method, Confidence: 0.7 + 0.3*rng.Float64(), At: detected}}
	}
	if chance(rng, 0.4) {
		v.Evidence.Reports = []policy.Report{{Source: policy.SourceUser, At: detected.Add(-time.Hour)}}
	}
	// Most cases passed manual review before the decision; some await it,
	// and a few were rejected by the reviewer.
	switch x := rng.Float64(); {
	case x < 0.86:
		v.Reviews = []policy.Review{{Reviewer: fmt.Sprintf("reviewer-%02d", rng.IntN(40)), Verdict: policy.VerdictConfirmed, At: now.Add(-time.Duration(between(rng, 5, 600)) * time.Minute)}}
	case x < 0.92:
		v.Reviews = []policy.Review{{Reviewer: fmt.Sprintf("reviewer-%02d", rng.IntN(40)), Verdict: policy.VerdictRejected, At: now.Add(-time.Duration(between(rng, 5, 600)) * time.Minute)}}
	}
	gc.Violations = []policy.Violation{v}
	return gc
}

// pooled is account k of the platform-wide pool: the same in every group,
// drawn from its own generator.
func pooled(seed uint64, k int) policy.Account {
	rng := rand.New(rand.NewPCG(seed, 0x706f6f6c^uint64(k)))
	a := policy.Account{ID: fmt.Sprintf("account-%07d", k), RealNameVerified: chance(rng, 0.8), Created: Start.AddDate(0, -between(rng, 1, 60), 0)}
	if chance(rng, 0.4) {
		a.Holdings = append(a.Holdings, policy.Holding{Kind: policy.AssetWallet, Amount: int64(between(rng, 100, 500000)), Currency: "CNY"})
	}
	if chance(rng, 0.1) {
		a.Holdings = append(a.Holdings, policy.Holding{Kind: policy.AssetWealthManagement, Amount: int64(between(rng, 100000, 5000000)), Currency: "CNY", Product: "money-market fund"})
	}
	return a
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
