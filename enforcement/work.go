package enforcement

import (
	"math"
	"sync"
	"unicode/utf8"

	"github.com/groupwarden/warden/policy"
)

// work is the scratch space of planning, reused from one plan to the next:
// the decisions of the case, its canonical form, the indexes the builder
// and the split of a plan use. A campaign's worker keeps one for the whole
// run; [Planner.Plan] takes one from a pool. Nothing a plan keeps points
// into it.
type work struct {
	decisions []policy.Decision
	canon     canon
	gc        GroupCase // the case being built
	b         builder
	// decided holds the member index of each of the plan's Decisions.
	decided []int
	// measured and measuredEnds are what measureSizes found of the
	// violations of each measure, for appendMeasures.
	measured, measuredEnds []int
	// split builds group parts (see [builder]); at then holds the place of
	// each action in the whole plan. late is the first action of the whole
	// plan that would end after MaxTime.
	split bool
	at    []int
	late  lateAction
	// keys and keyEnds are where keyActions writes the keys of a plan.
	keys    []byte
	keyEnds []int
	// subjects holds the subjects with a measure when a plan built
	// elsewhere is split.
	subjects map[string]bool
	behind   map[string]bool
	reports  []Action
	grounds  map[policy.Ground]string
	sums     []Money
	sumsMap  map[string]int
	// undos, when set, is the room for undo actions that the plan being
	// built may reuse: a campaign's slot keeps it from one plan to the
	// next, as it keeps the plan's other slices.
	undos *[]Action
}

// undoRoom returns empty room for n undo actions: the room of the plan's
// slot when it is large enough, else a new allocation.
func (w *work) undoRoom(n int) []Action {
	if w.undos == nil {
		return make([]Action, 0, n)
	}
	if cap(*w.undos) < n {
		*w.undos = make([]Action, 0, n)
	}
	return (*w.undos)[:0]
}

// maxPooledKeys is the most keys a map of a work keeps between plans; a
// larger one is let go, so that one huge case does not make every later
// clear of the map cost as much.
const maxPooledKeys = 4096

var workPool = sync.Pool{New: func() any { return new(work) }}

// keptMap is what a work keeps of one of its maps when it goes back to the
// pool: the map emptied, or nothing for one of more than maxPooledKeys
// keys, whose room the pool would keep. Clearing leaves no length to tell
// its size by, so the size is told here, before.
func keptMap[K comparable, V any](m map[K]V) map[K]V {
	if len(m) > maxPooledKeys {
		return nil
	}
	clear(m)
	return m
}

// release drops every reference a work holds into the cases it planned and
// puts it back in the pool.
func (w *work) release() {
	clear(w.decisions[:cap(w.decisions)])
	w.decisions = w.decisions[:0]
	w.gc = GroupCase{}
	clear(w.b.actors)
	w.b = builder{actors: w.b.actors[:0], firstAct: keptMap(w.b.firstAct), nextAct: w.b.nextAct}
	w.behind = keptMap(w.behind)
	clear(w.reports[:cap(w.reports)])
	clear(w.sums[:cap(w.sums)])
	w.sums, w.sumsMap = w.sums[:0], nil
	if len(w.grounds) > maxPooledKeys {
		w.grounds = nil
	}
	w.split, w.undos = false, nil
	workPool.Put(w)
}

// groundText is the ground of a decision as a notice gives it, written
// once per ground.
func (w *work) groundText(g policy.Ground) string {
	if s, ok := w.grounds[g]; ok {
		return s
	}
	s := groundText(g)
	if w.grounds == nil || len(w.grounds) >= maxPooledKeys {
		w.grounds = map[policy.Ground]string{}
	}
	w.grounds[g] = s
	return s
}

// checkLimits checks the holdings and amounts of a case, in time linear in
// it; the engine checks the rest before deciding. Sums of holdings are
// checked per case, in each currency.
func (w *work) checkLimits(gc *GroupCase) error {
	w.sums, w.sumsMap = w.sums[:0], nil
	for i := range gc.Members {
		a := &gc.Members[i].Account
		at := func() string { return policy.JoinPath(policy.IndexPath("members", i), "account") }
		if n := len(a.Holdings); n > MaxHoldings {
			return problem(policy.JoinPath(at(), "holdings"), CodeLimit, "%d holdings, more than MaxHoldings (%d)", n, MaxHoldings)
		}
		for j := range a.Holdings {
			h := &a.Holdings[j]
			hp := func(field string) string {
				return policy.JoinPath(policy.IndexPath(policy.JoinPath(at(), "holdings"), j), field)
			}
			switch {
			case len(h.Currency) > policy.MaxIDLen:
				return problem(hp("currency"), CodeLimit, "%d bytes, more than policy.MaxIDLen (%d)", len(h.Currency), policy.MaxIDLen)
			case len(h.Product) > policy.MaxIDLen:
				return problem(hp("product"), CodeLimit, "%d bytes, more than policy.MaxIDLen (%d)", len(h.Product), policy.MaxIDLen)
			case !utf8.ValidString(h.Currency):
				return problem(hp("currency"), policy.CodeInvalidValue, "not UTF-8, which a plan written as JSON would not keep")
			case !utf8.ValidString(h.Product):
				return problem(hp("product"), policy.CodeInvalidValue, "not UTF-8, which a plan written as JSON would not keep")
			}
			sum := w.sum(h.Currency)
			switch {
			case h.Amount < 0 || h.Amount > MaxAmount:
				return problem(hp("amount"), CodeAmount, "%d is outside 0 … MaxAmount (%d)", h.Amount, MaxAmount)
			case *sum > math.MaxInt64-h.Amount:
				return problem(hp("amount"), CodeAmount, "the case's holdings in %s add up to more than an int64 holds", h.Currency)
			}
			*sum += h.Amount
		}
	}
	return nil
}

// sum returns the running sum of a currency in checkLimits, valid until
// the next call: a short list scanned for the few currencies of a usual
// case, indexed by a map beyond.
func (w *work) sum(currency string) *int64 {
	if w.sumsMap == nil {
		for i := range w.sums {
			if w.sums[i].Currency == currency {
				return &w.sums[i].Amount
			}
		}
		if len(w.sums) == maxListed {
			w.sumsMap = make(map[string]int, 16)
			for i := range w.sums {
				w.sumsMap[w.sums[i].Currency] = i
			}
		}
	}
	if w.sumsMap != nil {
		if i, ok := w.sumsMap[currency]; ok {
			return &w.sums[i].Amount
		}
		w.sumsMap[currency] = len(w.sums)
	}
	w.sums = append(w.sums, Money{Currency: currency})
	return &w.sums[len(w.sums)-1].Amount
}

// lateAction is an action that would end after MaxTime: its place in the
// whole plan and its kind.
type lateAction struct {
	set  bool
	at   int
	kind ActionKind
}
