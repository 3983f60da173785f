package policy

import (
	"hash/maphash"
	"sync"

	"github.com/groupwarden/warden/internal/compiler"
	"github.com/groupwarden/warden/internal/lang"
)

// The limits of a case, checked by [Engine.Decide] and [Engine.DecideGroup]
// before anything is decided (MaxChecks as it is decided), so that no case
// costs more than its size allows: checking a case is linear in it, and so
// is deciding it but for the subjects decided over every violation, whose
// work MaxChecks bounds. A case over a limit is refused with a [*Problem]
// of code [CodeTooMany] (or [CodeInvalidValue] for an identifier) whose
// message names the limit.
const (
	// MaxIDLen is the longest identifier (account, group, violation, actor,
	// holder), in bytes, which also bounds the estimated cost of string
	// functions over them.
	MaxIDLen = compiler.MaxIDLen
	// MaxViolations is the most violations one case may hold.
	MaxViolations = 100_000
	// MaxEvidence is the most technical identifications, and the most
	// reports, one violation may hold.
	MaxEvidence = 1000
	// MaxReviews is the most reviews one violation may hold.
	MaxReviews = compiler.MaxHistory
	// MaxHistory is the most records one history (an account's, a group's)
	// may hold.
	MaxHistory = compiler.MaxHistory
	// MaxAdmins is the most administrators one group may have.
	MaxAdmins = 10_000
	// MaxMembers is the most members one group case may list.
	MaxMembers = 100_000
	// MaxChecks is the most checks one call of Decide, DecideInto,
	// DecideGroup or Explain makes: for each subject and each violation
	// read for it, one, and one more for each candidate rule considered
	// there (Explain, which traces every rule, counts every rule). It
	// bounds what the other limits do not: a group case's owner and
	// admins (and members a rule concerns through others' violations) are
	// each decided over every violation, so that their number times the
	// violations, not their sum, is the work. The checks are counted as
	// the case is decided, and a call that would go over the limit stops
	// there, having spent at most that, with a [*Problem] of code
	// [CodeTooMany] at violations and no decision. Under the default
	// policy it admits a group of 1,000 leaders over 1,000 violations, or
	// of 5 over MaxViolations; a call that reaches it takes about a second
	// of one core and up to several hundred megabytes for its matches and
	// guard notes. A single case can reach it too: 100,000 violations with
	// 25 candidate rules each. What the checks spend on CEL is bounded
	// apart, by the decision cost limit ([WithDecisionCostLimit]).
	MaxChecks = 1 << 21
)

// The limits of a policy document, checked by [Compile] before the
// expensive work, each refused with an [*Error] that names it.
const (
	// MaxPolicyBytes is the largest policy document, in bytes.
	MaxPolicyBytes = lang.MaxPolicyBytes
	// MaxRules is the most rules one policy may declare.
	MaxRules = lang.MaxRules
	// MaxVariables is the most variables one policy may declare.
	MaxVariables = lang.MaxVariables
	// MaxCategories is the most categories one policy may declare.
	MaxCategories = lang.MaxCategories
	// MaxErrors is the most problems Compile reports for one document; the
	// last one then says that more were left out.
	MaxErrors = lang.MaxErrors
)

// firstDuplicate returns the index of the first of n keys that equals an
// earlier one, and the index of that earlier one. It is linear in n: beyond
// a few keys, an open-addressing table of the keys' indexes, taken from a
// pool so that a group case of many members does not make one for every
// decision of a campaign.
func firstDuplicate(n int, key func(int) string) (dup, first int, ok bool) {
	if n > 1 { // fewer are told inline, without a call
		dup, first, ok = duplicateAmong(n, key)
	}
	return
}

func duplicateAmong(n int, key func(int) string) (dup, first int, ok bool) {
	if n <= 16 {
		for i := range n {
			for j := range i {
				if key(j) == key(i) {
					return i, j, true
				}
			}
		}
		return 0, 0, false
	}
	size := 32
	for size < 2*n {
		size *= 2
	}
	t := dupPool.Get().(*dupTable)
	defer func() {
		// A table of many keys keeps its room when cleared: only modest
		// ones go back to the pool.
		if size <= maxPooledDup {
			t.slots = t.slots[:0]
			dupPool.Put(t)
		}
	}()
	if cap(t.slots) < size {
		t.slots = make([]int32, size)
	} else {
		t.slots = t.slots[:size]
		clear(t.slots)
	}
	mask := uint64(size - 1)
	for i := range n {
		k := key(i)
		for s := maphash.String(dupSeed, k) & mask; ; s = (s + 1) & mask {
			j := int(t.slots[s]) - 1
			if j < 0 {
				t.slots[s] = int32(i + 1)
				break
			}
			if key(j) == k {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

// dupTable is the table of firstDuplicate: in each slot, one more than the
// index of the key there, 0 for none. Keys go to the slot of their hash, or
// the next free one.
type dupTable struct{ slots []int32 }

var (
	dupPool = sync.Pool{New: func() any { return new(dupTable) }}
	dupSeed = maphash.MakeSeed()
)

// maxPooledDup is the most slots of a table that goes back to the pool.
const maxPooledDup = 1 << 13

// roles finds the role of an account in a group in constant time: the
// owner, an admin, or a member.
type roles struct {
	g      *Group
	admins map[string]struct{} // nil for a few admins, scanned
}

func newRoles(g *Group) roles {
	r := roles{g: g}
	if len(g.Admins) > 16 {
		r.admins = make(map[string]struct{}, len(g.Admins))
		for _, a := range g.Admins {
			r.admins[a] = struct{}{}
		}
	}
	return r
}

func (r roles) of(id string) Role {
	if r.admins == nil {
		return r.g.RoleOf(id)
	}
	if id == r.g.Owner {
		return RoleOwner
	}
	if _, ok := r.admins[id]; ok {
		return RoleAdmin
	}
	return RoleMember
}
