package compiler

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"cel.dev/cel-go/common"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/parser"
	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/internal/lang"
	"github.com/groupwarden/warden/internal/names"
	"github.com/groupwarden/warden/internal/vocab"
)

// The messages of the CEL checker that typeMessage says again in a rule
// author's terms.
var (
	undeclaredRE = regexp.MustCompile(`^undeclared reference to '([^']+)'`)
	noFieldRE    = regexp.MustCompile(`^type '[^']+' does not support field selection$`)
	overloadRE   = regexp.MustCompile(`^found no matching overload for '(_[^']*_)' applied to '\(([^(),]+), ([^(),]+)\)'$`)
)

// operators are the binary operators typeMessage explains, with the verb
// of what they do.
var operators = map[string][2]string{
	"_==_": {"==", "compare"}, "_!=_": {"!=", "compare"},
	"_<_": {"<", "compare"}, "_<=_": {"<=", "compare"}, "_>_": {">", "compare"}, "_>=_": {">=", "compare"},
	"_+_": {"+", "add"}, "_-_": {"-", "subtract"}, "_*_": {"*", "multiply"}, "_/_": {"/", "divide"}, "_%_": {"%", "divide"},
}

// typeNames are the CEL types as RULES.md names them.
var typeNames = map[string]string{
	"warden.Severity": "severity", "warden.Category": "category", "warden.Role": "role",
	"warden.Penalty": "penalty", "warden.Violation": "violation",
	"google.protobuf.Duration": "duration", "google.protobuf.Timestamp": "timestamp",
}

// authorType returns how RULES.md names a CEL type name.
func authorType(t string) string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return t
}

// typeMessage says a checker error of expression x in a rule author's
// terms: an undeclared name with the declared names nearest to it, and a
// comparison (or arithmetic) of values of two types with what the author
// can write instead. Other messages keep the checker's words, with the
// types named as RULES.md names them.
//
// It returns the expression the message is about when the error's own
// position is not where that expression starts, nil otherwise.
func (c *compiler) typeMessage(root ast.Expr, info *ast.SourceInfo, e *common.Error) (string, ast.Expr) {
	if m := undeclaredRE.FindStringSubmatch(e.Message); m != nil {
		if msg, ok := c.undeclared(root, e.ExprID, m[1]); ok {
			return msg, nil
		}
	}
	if noFieldRE.MatchString(e.Message) {
		// A field of violation, which is a name of its own too: the name
		// violation.x is not declared.
		if x := find(root, e.ExprID); x != nil && x.Kind() == ast.SelectKind {
			if op := x.AsSelect().Operand(); op.Kind() == ast.IdentKind {
				if msg, ok := c.undeclared(root, op.ID(), op.AsIdent()+"."+x.AsSelect().FieldName()); ok {
					return msg, op
				}
			}
		}
	}
	if m := overloadRE.FindStringSubmatch(e.Message); m != nil {
		if msg, ok := c.mismatch(root, info, e.ExprID, m[1], authorType(m[2]), authorType(m[3])); ok {
			return msg, nil
		}
	}
	msg := e.Message
	for internal, author := range typeNames {
		msg = strings.ReplaceAll(msg, internal, author)
	}
	return msg, nil
}

// undeclared explains the undeclared reference name at expression id: a
// name a rule cannot read (user.age), with the nearest it can. Functions
// keep the checker's message.
func (c *compiler) undeclared(root ast.Expr, id int64, name string) (string, bool) {
	x := find(root, id)
	if x == nil || x.Kind() == ast.CallKind {
		return "", false
	}
	if !strings.Contains(name, ".") {
		// The checker names the first part; the name is the selection of
		// a field of it, if there is one.
		if sel := parentSelect(root, id); sel != nil {
			name += "." + sel.AsSelect().FieldName()
		}
	}
	candidates := names.Names()
	for v := range c.declared {
		candidates = append(candidates, NSVariables+"."+v)
	}
	slices.Sort(candidates[len(names.Names()):])
	if hint := names.DidYouMean(name, candidates); hint != "" {
		return fmt.Sprintf("undeclared name %s%s", name, hint), true
	}
	return fmt.Sprintf("undeclared name %s: a rule reads violation.*, subject.*, group.*, now, variables.* and the constants category.*, penalty.*, severity.* and role.*", name), true
}

// mismatch explains an operator applied to values of two types it does not
// take: what is compared, and how to write it.
func (c *compiler) mismatch(root ast.Expr, info *ast.SourceInfo, id int64, fn, left, right string) (string, bool) {
	op, ok := operators[fn]
	x := find(root, id)
	if !ok || x == nil || x.Kind() != ast.CallKind || len(x.AsCall().Args()) != 2 {
		return "", false
	}
	args := x.AsCall().Args()
	src := [2]string{}
	for i, a := range args {
		s, err := parser.Unparse(a, info)
		if err != nil {
			return "", false
		}
		src[i] = s
	}
	msg := fmt.Sprintf("cannot %s %s (%s) with %s (%s)", op[1], src[0], article(left), src[1], article(right))
	if op[1] != "compare" {
		msg = fmt.Sprintf("cannot %s %s (%s) and %s (%s) with %s", op[1], src[0], article(left), src[1], article(right), op[0])
	}
	// The hint is about the side that is a warden type, or a duration or
	// timestamp, given the other.
	for i, t := range [2]string{left, right} {
		if hint := c.writeAs(t, args[1-i]); hint != "" {
			return msg + ": " + hint, true
		}
	}
	if op[1] == "add" && (left == "string" || right == "string") {
		return msg + ": to join text, convert the other side with string(...)", true
	}
	return msg + ": both sides must be of the same type", true
}

// writeAs says how to write a value that compares with a value of type t,
// given other, the operand written instead; "" when there is nothing to say.
func (c *compiler) writeAs(t string, other ast.Expr) string {
	var ns string
	var valid []string
	switch t {
	case "severity":
		ns = NSSeverity
		for s := vocab.SeverityLow; s <= vocab.SeverityCritical; s++ {
			valid = append(valid, s.String())
		}
	case "role":
		ns = NSRole
		for r := vocab.RoleOwner; r <= vocab.RoleMember; r++ {
			valid = append(valid, r.String())
		}
	case "penalty":
		ns = NSPenalty
		for p := vocab.PenaltyNone; p <= vocab.PenaltyClose; p++ {
			valid = append(valid, p.String())
		}
	case "category":
		ns, valid = NSCategory, c.categoryNames()
	case "duration":
		return `write a duration, such as duration("720h") for 30 days (CEL has no d unit)`
	case "timestamp":
		return `write a time, such as timestamp("2026-01-01T00:00:00Z")`
	default:
		return ""
	}
	qualified := make([]string, len(valid))
	for i, v := range valid {
		qualified[i] = ns + "." + v
	}
	if other.Kind() == ast.LiteralKind {
		if s, ok := other.AsLiteral().(types.String); ok {
			if slices.Contains(valid, string(s)) {
				return fmt.Sprintf("compare with %s.%s", ns, s)
			}
			if near := names.Closest(string(s), valid); len(near) > 0 {
				return fmt.Sprintf("compare with %s.%s", ns, strings.Join(near, " or "+ns+"."))
			}
		}
	}
	if len(qualified) == 0 {
		return fmt.Sprintf("a %s compares only with another %s", t, t)
	}
	return fmt.Sprintf("a %s compares only with another %s, such as %s", t, t, names.Or(qualified))
}

// article returns a type name after "a" or "an".
func article(t string) string {
	if t != "" && strings.ContainsRune("aeiou", rune(t[0])) {
		return "an " + t
	}
	return "a " + t
}

// find returns the expression with the given id, or nil.
func find(root ast.Expr, id int64) ast.Expr {
	var found ast.Expr
	ast.PreOrderVisit(root, ast.NewExprVisitor(func(e ast.Expr) {
		if found == nil && e.ID() == id {
			found = e
		}
	}))
	return found
}

// parentSelect returns the field selection whose operand is the expression
// with the given id, or nil.
func parentSelect(root ast.Expr, id int64) ast.Expr {
	var found ast.Expr
	ast.PreOrderVisit(root, ast.NewExprVisitor(func(e ast.Expr) {
		if found == nil && e.Kind() == ast.SelectKind && e.AsSelect().Operand().ID() == id {
			found = e
		}
	}))
	return found
}

// categoryNames returns the names the catalogue declares, in order.
func (c *compiler) categoryNames() []string {
	var out []string
	for _, cat := range c.spec.Categories {
		if lang.IsName(cat.Name) && !slices.Contains(out, cat.Name) {
			out = append(out, cat.Name)
		}
	}
	return out
}

// undeclaredVariable is the message of variables.name, not declared, in an
// expression that may use the first before variables of the policy.
func (c *compiler) undeclaredVariable(name string, before int) string {
	var declared []string
	for _, v := range c.spec.Variables[:before] {
		if lang.IsName(v.Name) {
			declared = append(declared, v.Name)
		}
	}
	near := names.Closest(name, declared)
	for i, n := range near {
		near[i] = NSVariables + "." + n
	}
	if len(near) > 0 {
		return fmt.Sprintf("variables.%s is not declared (did you mean %s?)", name, names.Or(near))
	}
	return fmt.Sprintf("variables.%s is not declared", name)
}

// at is the position of a node in a message: "line 3, column 5".
func at(n *yaml.Node) string {
	if n == nil {
		return "an earlier line"
	}
	return fmt.Sprintf("line %d, column %d", n.Line, n.Column)
}
