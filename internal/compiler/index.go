package compiler

import (
	"iter"
	"strings"

	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/containers"
	celparser "cel.dev/cel-go/parser"

	"github.com/groupwarden/warden/internal/lang"
	"github.com/groupwarden/warden/internal/vocab"
)

// categoryRequirement returns the indexes of the categories a parsed `when`
// condition can match, or nil when it can match any. It reads the top-level
// conjuncts for `violation.category == category.x`, `violation.category in
// [...]`, `violation.zero_tolerance`, its negation, and variables built only
// of those. A requirement it misses costs time, never correctness: the
// conjuncts it does not read stay in the rule's residual condition.
func categoryRequirement(e ast.Expr, cats []lang.CategorySpec, vars map[string][]bool) []bool {
	var req []bool
	for c := range conjuncts(e) {
		set := conjunctCategories(c, cats, vars)
		switch {
		case set == nil:
		case req == nil:
			req = append([]bool(nil), set...)
		default:
			for i := range req {
				req[i] = req[i] && set[i]
			}
		}
	}
	return req
}

// conjuncts yields the top-level conjuncts of a condition: its operands of
// && however nested, or the condition itself.
func conjuncts(e ast.Expr) iter.Seq[ast.Expr] {
	return func(yield func(ast.Expr) bool) {
		var walk func(e ast.Expr) bool
		walk = func(e ast.Expr) bool {
			if e.Kind() == ast.CallKind && e.AsCall().FunctionName() == "_&&_" {
				for _, a := range e.AsCall().Args() {
					if !walk(a) {
						return false
					}
				}
				return true
			}
			return yield(e)
		}
		walk(e)
	}
}

func conjunctCategories(e ast.Expr, cats []lang.CategorySpec, vars map[string][]bool) []bool {
	name := func(e ast.Expr) string { n, _ := containers.ToQualifiedName(e); return n }
	set := make([]bool, len(cats))
	zeroTolerance := func(want bool) []bool {
		for i, c := range cats {
			set[i] = c.ZeroTolerance == want
		}
		return set
	}
	catIndex := func(e ast.Expr) bool {
		n := name(e)
		for i, c := range cats {
			if n == NSCategory+"."+c.Name {
				set[i] = true
				return true
			}
		}
		return false
	}
	switch e.Kind() {
	case ast.IdentKind, ast.SelectKind:
		n := name(e)
		if n == "violation.zero_tolerance" {
			return zeroTolerance(true)
		}
		if v, ok := vars[n]; ok {
			return v
		}
	case ast.CallKind:
		call := e.AsCall()
		args := call.Args()
		switch call.FunctionName() {
		case "!_":
			if name(args[0]) == "violation.zero_tolerance" {
				return zeroTolerance(false)
			}
		case "_==_":
			if name(args[0]) == "violation.category" && catIndex(args[1]) ||
				name(args[1]) == "violation.category" && catIndex(args[0]) {
				return set
			}
		case "@in":
			if name(args[0]) != "violation.category" || args[1].Kind() != ast.ListKind {
				return nil
			}
			for _, el := range args[1].AsList().Elements() {
				if !catIndex(el) {
					return nil
				}
			}
			return set
		}
	}
	return nil
}

// subjectRequirement reads the top-level conjuncts of a parsed `when`
// condition for what it asks of the subject: `subject.is_actor`, and a role
// (`subject.role == role.x`, `subject.role in [...]`, a disjunction of
// those, or a variable built only of them). A rule whose requirement the
// subject misses cannot match and is skipped without evaluation.
func subjectRequirement(e ast.Expr, vars map[string]RoleSet) (actor bool, roles RoleSet) {
	for c := range conjuncts(e) {
		if n, _ := containers.ToQualifiedName(c); n == "subject.is_actor" {
			actor = true
			continue
		}
		switch set := roleCondition(c, vars); {
		case set == nil:
		case roles == nil:
			roles = set
		default:
			roles = roles.and(set)
		}
	}
	return actor, roles
}

// RoleSet marks the roles a condition admits, indexed by role.
type RoleSet []bool

func (s RoleSet) and(o RoleSet) RoleSet {
	out := make(RoleSet, len(s))
	for i := range s {
		out[i] = s[i] && o[i]
	}
	return out
}

// roleCondition returns the roles for which e can be true, or nil when e
// is not a condition on the subject's role alone.
func roleCondition(e ast.Expr, vars map[string]RoleSet) RoleSet {
	name := func(e ast.Expr) string { n, _ := containers.ToQualifiedName(e); return n }
	roleOf := func(e ast.Expr) vocab.Role {
		r, err := vocab.ParseRole(strings.TrimPrefix(name(e), NSRole+"."))
		if err != nil || !strings.HasPrefix(name(e), NSRole+".") {
			return 0
		}
		return r
	}
	set := make(RoleSet, vocab.RoleMember+1)
	switch e.Kind() {
	case ast.IdentKind, ast.SelectKind:
		if v, ok := vars[name(e)]; ok {
			return v
		}
	case ast.CallKind:
		call := e.AsCall()
		args := call.Args()
		switch call.FunctionName() {
		case "_||_":
			l, r := roleCondition(args[0], vars), roleCondition(args[1], vars)
			if l == nil || r == nil {
				return nil
			}
			for i := range set {
				set[i] = l[i] || r[i]
			}
			return set
		case "_==_":
			for _, pair := range [][2]ast.Expr{{args[0], args[1]}, {args[1], args[0]}} {
				if name(pair[0]) == "subject.role" {
					if r := roleOf(pair[1]); r != 0 {
						set[r] = true
						return set
					}
				}
			}
		case "@in":
			if name(args[0]) != "subject.role" || args[1].Kind() != ast.ListKind {
				return nil
			}
			for _, el := range args[1].AsList().Elements() {
				r := roleOf(el)
				if r == 0 {
					return nil
				}
				set[r] = true
			}
			return set
		}
	}
	return nil
}

// residual returns the conjuncts of a `when` condition that the rule's
// indexes do not already decide, unparsed, or none when the index decides
// them all. A conjunct is decided when it is exactly a category condition
// (violation.category ==, in, violation.zero_tolerance and its negation), a
// role condition, or subject.is_actor: for every candidate the index lets
// through, such a conjunct is true. Variables whose category requirement is
// only necessary are kept.
func residual(parsed *ast.AST, cats []lang.CategorySpec, roles map[string]RoleSet) ([]string, error) {
	var keep []string
	for c := range conjuncts(parsed.Expr()) {
		if n, _ := containers.ToQualifiedName(c); n == "subject.is_actor" ||
			roleCondition(c, roles) != nil || conjunctCategories(c, cats, nil) != nil {
			continue
		}
		s, err := celparser.Unparse(c, parsed.SourceInfo())
		if err != nil {
			return nil, err
		}
		keep = append(keep, "("+s+")")
	}
	return keep, nil
}
