package policy

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/groupwarden/warden/internal/compiler"
)

// DecideGroup decides a group case: the group itself, then each member in
// the order of gc.Members, as [Engine.Decide] would decide the cases
// [GroupCase.GroupCase] and [GroupCase.MemberCase] give. It appends the
// decisions to dst, the group's first, and returns the extended slice.
//
// The owner and every admin must be in the member list: their decisions
// are the ones that matter most, and only the list carries their accounts'
// history and holdings, so a leader who is not listed is refused
// ([CodeMissingLeader]) rather than decided from an account invented out of
// an id. The whole case is checked before anything is decided; a malformed
// one gives an error (a [*Problem] wrapped with [ErrInvalidCase], its path
// in the group case, as members[2].account.id) and dst unchanged, as does
// one whose decisions, all together, would take more than [MaxChecks] or
// spend more than one decision may ([WithDecisionCostLimit], at least
// [DefaultDecisionCostLimit]): the owner and each admin are decided over
// every violation. Such a case is refused part-way, and the room of dst
// beyond its length may have been written.
//
// The matches of all the decisions share one allocation: a call costs one
// for them, whatever the number of members penalised (up to about a
// thousand matches in all, the room the engine keeps), and a decision kept
// keeps the group's matches alive.
func (e *Engine) DecideGroup(ctx context.Context, gc GroupCase, dst []Decision) ([]Decision, error) {
	if err := ctx.Err(); err != nil {
		return dst, err
	}
	st := e.pool.Get().(*evalState)
	defer func() {
		st.release()
		e.pool.Put(st)
	}()
	c := gc.GroupCase()
	if err := e.validateShared(&c, st); err != nil {
		return dst, err
	}
	if err := checkMembers(&gc); err != nil {
		return dst, err
	}
	rs := newRoles(&c.Group)
	// One member case serves them all: only its subject changes.
	mc := c
	mc.Target = TargetAccount
	for i := range gc.Members {
		m := &gc.Members[i]
		mc.Account, mc.Role = &m.Account, m.Role
		if _, err := e.validateSubject(&mc, i, rs); err != nil {
			return dst, err
		}
	}
	n := len(dst)
	// Each decision is written in place at the end of dst, not copied
	// there. Their matches are gathered in the state, decision after
	// decision, and given out at the end from one allocation: ends[k] is
	// where the k-th decision's matches end.
	// The room is cleared at once: what it held before is no decision.
	out := slices.Grow(dst, 1+len(gc.Members))[:n+1+len(gc.Members)]
	clear(out[n:])
	ends := slices.Grow(st.ends[:0], 1+len(gc.Members))
	defer func() {
		if cap(ends) <= maxPooledEnds {
			st.ends = ends[:0] // a rare group of many members keeps no memory
		}
	}()
	st.bind(&c, 0)
	st.done = ctx.Done()
	if err := e.decide(ctx, st, &out[n], true); err != nil {
		return dst, err
	}
	// What the decisions spend, all together, is bounded too.
	spent, most := st.spent, groupCostLimit(e.p.DecisionCostLimit)
	ends = append(ends, len(st.matches))
	q := e.bystanders(st)
	defer q.release(st)
	for i := range gc.Members {
		m := &gc.Members[i]
		st.c.Target, st.c.Account, st.c.Role = TargetAccount, &m.Account, m.Role
		st.bindSubject(m.Role) // the group's: validateSubject found them equal
		d := &out[n+1+i]
		own, quiet := q.quiet(st)
		if quiet && len(own) == 0 {
			// No rule is a candidate in any of the violations: decide
			// would consider nothing.
			e.head(d, st)
		} else {
			// A quiet member who acted is decided on their own acts.
			st.only, st.narrowed = own, quiet
			err := e.decide(ctx, st, d, true)
			st.only, st.narrowed = nil, false
			if err != nil {
				return dst, err
			}
			if spent += st.spent; spent > most {
				return dst, invalid("violations", CodeTooMany, "the decisions of the case together cost more than %d; decide its violations in smaller cases", most)
			}
		}
		ends = append(ends, len(st.matches))
	}
	dst = out
	if len(st.matches) > 0 {
		all := slices.Clone(st.matches)
		from := 0
		for k, end := range ends {
			if end > from {
				dst[n+k].Matches = all[from:end:end]
			}
			from = end
		}
		st.dropMatches()
	}
	return dst, nil
}

// groupCostLimit is the most the decisions of one DecideGroup call spend
// together, for a decision cost limit of limit: the limit, or the default
// one if that is more, so that a lowered limit holds decisions for review
// without refusing groups.
func groupCostLimit(limit uint64) uint64 { return max(limit, DefaultDecisionCostLimit) }

// checkMembers checks the member list of a group case against itself and
// its group: every account once, with a role, the count the group states,
// the owner and every admin listed. Each member's own account and role are
// checked as a subject.
func checkMembers(gc *GroupCase) error {
	g := &gc.Group
	if n := len(gc.Members); n > MaxMembers {
		return invalid("members", CodeTooMany, "%d members, more than MaxMembers (%d)", n, MaxMembers)
	}
	ownerListed := false
	var leaders int
	for i := range gc.Members {
		m := &gc.Members[i]
		if m.Account.ID == "" {
			return invalid(subjectPath(i, "account.id"), CodeMissingField, "required")
		}
		if !m.Role.IsValid() {
			return invalid(subjectPath(i, "role"), CodeInvalidValue, "want owner, admin or member")
		}
		for j, h := range m.Account.Holdings {
			if h.Amount < 0 || h.Currency == "" {
				return invalid(IndexPath(subjectPath(i, "account.holdings"), j), CodeInvalidValue, "want a non-negative amount and a currency")
			}
		}
		switch m.Role {
		case RoleOwner:
			ownerListed = ownerListed || m.Account.ID == g.Owner
			leaders++
		case RoleAdmin:
			leaders++
		}
	}
	if !distinctInPlanOrder(gc.Members) {
		if dup, first, ok := firstDuplicate(len(gc.Members), func(i int) string { return gc.Members[i].Account.ID }); ok {
			return invalid(subjectPath(dup, "account.id"), CodeDuplicateID, "%q is members[%d] already", gc.Members[dup].Account.ID, first)
		}
	}
	if g.Members != len(gc.Members) {
		return invalid("group.members", CodeContradiction, "the group counts %d members but the case lists %d", g.Members, len(gc.Members))
	}
	if !ownerListed {
		return invalid("members", CodeMissingLeader, "the group's owner %s is not in the member list", g.Owner)
	}
	if leaders != 1+len(g.Admins) {
		// Roles are checked against the group member by member; what is left
		// is an admin nobody lists.
		listed := make(map[string]bool, len(gc.Members))
		for i := range gc.Members {
			listed[gc.Members[i].Account.ID] = true
		}
		for i, a := range g.Admins {
			if !listed[a] {
				return invalid(IndexPath("group.admins", i), CodeMissingLeader, "admin %s is not in the member list", a)
			}
		}
	}
	return nil
}

// distinctInPlanOrder reports that members, each with a valid role, are
// listed in the order plans list them (by role, then by account id, as
// enforcement sorts a case before deciding it) with no account id twice:
// one pass comparing each member with the next, then a binary search of
// each leader's id among the members of the roles after its own. It
// reports false for any other list, which the duplicate table then checks.
func distinctInPlanOrder(ms []Membership) bool {
	// ends[r] is where the members of roles up to r end: the list is
	// owners, then admins, then members.
	var ends [RoleMember + 1]int
	for i := range ms {
		if i > 0 {
			a, b := &ms[i-1], &ms[i]
			if a.Role > b.Role || a.Role == b.Role && a.Account.ID >= b.Account.ID {
				return false
			}
		}
		ends[ms[i].Role] = i + 1
	}
	ends[RoleAdmin] = max(ends[RoleAdmin], ends[RoleOwner])
	ends[RoleMember] = len(ms)
	// Within a role the ids increase, so an id twice is in two roles, the
	// first of them a leader's.
	byID := func(m Membership, id string) int { return strings.Compare(m.Account.ID, id) }
	for i := range ends[RoleAdmin] {
		for r := ms[i].Role; r < RoleMember; r++ {
			if _, found := slices.BinarySearchFunc(ms[ends[r]:ends[r+1]], ms[i].Account.ID, byID); found {
				return false
			}
		}
	}
	return true
}

// bystanderRoom is what DecideGroup tells bystanders by: the case's acts
// sorted by actor, the distinct parts its violations' shared fields add to
// their cells, and for each subject part of a cell seen so far whether it
// is quiet. It lives in the pooled state.
type bystanderRoom struct {
	acts []act
	own  []int
	// shared holds each distinct shared part of the case's violations
	// once. quiet, by cell, is 1 for a subject part found quiet, 2 for one
	// found not to be, 0 for one not yet seen, and parts lists the subject
	// parts it has an answer for; while the shared parts are gathered, it
	// marks those found.
	shared []int
	quiet  []uint8
	parts  []int
}

// act is a violation of a case by its actor.
type act struct {
	actor     string
	violation int
}

// bystanders is how DecideGroup tells, in time independent of the number
// of violations, the members whom no rule can concern through the
// violations they did not commit. In those, whether the member is the
// actor, and with it every field of their cells that is theirs, is the
// same: when, for that subject part, no violation's cell has a rule among
// its candidates, decide would consider nothing there, and only the
// member's own acts count. A member with none gets the decision of none;
// one with some is decided on those alone. Whether a subject part is quiet
// is worked out once per case, over the distinct shared parts of the
// violations: each pair of a shared part and a subject part is a cell of
// its own, so that all of it takes at most one look per cell of the space
// beside one per violation and per member. Nothing of it runs on the slow
// path or when a violation's shared fields lie outside the space (decide
// then reads the violation's category's rules).
type bystanders struct {
	sp *compiler.Space
}

// bystanders prepares the quiet test for the members of the case bound to
// st: it finds what the fields that are not the subject's add to each
// violation's cell, keeps each distinct part once, and sorts the acts by
// actor.
func (e *Engine) bystanders(st *evalState) bystanders {
	sp := e.p.Spaces[TargetAccount]
	if sp == nil {
		return bystanders{}
	}
	r := &st.bystanders
	if n := sp.Cells(); len(r.quiet) < n {
		r.quiet = make([]uint8, n)
	}
	for vi := range st.c.Violations {
		st.setViolation(vi)
		shared, ok := st.sharedCell(sp, vi)
		if !ok {
			r.forget()
			return bystanders{}
		}
		if r.quiet[shared] == 0 {
			r.quiet[shared] = 1 // marks the shared part found, for now
			r.shared = append(r.shared, shared)
		}
		if a := st.V.Actor; a != "" {
			r.acts = append(r.acts, act{a, vi})
		}
	}
	for _, c := range r.shared {
		r.quiet[c] = 0
	}
	slices.SortFunc(r.acts, func(a, b act) int {
		return cmp.Or(strings.Compare(a.actor, b.actor), cmp.Compare(a.violation, b.violation))
	})
	return bystanders{sp: sp}
}

// quiet reports whether the member bound to st is one no rule concerns
// through the violations they did not commit, and then the indexes of
// those they did, in order.
func (q bystanders) quiet(st *evalState) (own []int, quiet bool) {
	if q.sp == nil {
		return nil, false
	}
	r := &st.bystanders
	st.IsActor = false // in the violations of others
	part, ok := q.sp.SubjectCell(&st.Scope, 0)
	if !ok || !q.quietPart(st, part) {
		return nil, false
	}
	id := st.SubjectID
	from, _ := slices.BinarySearchFunc(r.acts, id, func(a act, id string) int { return strings.Compare(a.actor, id) })
	r.own = r.own[:0]
	for k := from; k < len(r.acts) && r.acts[k].actor == id; k++ {
		r.own = append(r.own, r.acts[k].violation)
	}
	return r.own, true
}

// quietPart reports whether no rule is a candidate in any violation's cell
// with the subject part part, remembering the answer.
func (q bystanders) quietPart(st *evalState, part int) bool {
	r := &st.bystanders
	if a := r.quiet[part]; a != 0 {
		return a == 1
	}
	isRule := func(j int) bool { return j < len(q.sp.Rules) } // not a penalty expression
	answer := uint8(1)
	for _, shared := range r.shared {
		if slices.ContainsFunc(q.sp.Candidates(shared+part), isRule) {
			answer = 2
			break
		}
	}
	r.quiet[part] = answer
	r.parts = append(r.parts, part)
	return answer == 1
}

// release drops what the case left in the room, and the room of a case of
// many acts.
func (q bystanders) release(st *evalState) { st.bystanders.forget() }

// forget empties the room, keeping it but for a case of many acts.
func (r *bystanderRoom) forget() {
	for _, c := range r.shared {
		r.quiet[c] = 0
	}
	for _, c := range r.parts {
		r.quiet[c] = 0
	}
	clear(r.acts)
	r.acts, r.own, r.shared, r.parts = r.acts[:0], r.own[:0], r.shared[:0], r.parts[:0]
	if cap(r.acts) > maxPooledEnds {
		r.acts, r.own = nil, nil
	}
}
