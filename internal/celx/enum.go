// Package celx holds the CEL plumbing of warden that is not public API: the
// opaque enum values that rule expressions compare and their ordering
// overloads.
package celx

import (
	"fmt"
	"reflect"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// The CEL types of the values a rule compares. They are opaque so that a
// severity cannot be compared with a penalty or an integer by mistake.
var (
	SeverityType = types.NewOpaqueType("warden.Severity")
	PenaltyType  = types.NewOpaqueType("warden.Penalty")
	// The ordered types carry the comparer trait at run time, which CEL's
	// standard ordering operators dispatch on.
	severityRuntime = types.NewObjectType("warden.Severity", traits.ComparerType)
	penaltyRuntime  = types.NewObjectType("warden.Penalty", traits.ComparerType)
	RoleType        = types.NewOpaqueType("warden.Role")
	CategoryType    = types.NewOpaqueType("warden.Category")
	ViolationType   = types.NewOpaqueType("warden.Violation")
)

// kind ties an Enum instantiation to its CEL type. The values are one byte
// wide so that boxing them into a ref.Val never allocates.
type kind interface {
	celType() *types.Type
	runtimeType() *types.Type
}

type (
	severityKind struct{}
	penaltyKind  struct{}
	roleKind     struct{}
	categoryKind struct{}
)

func (severityKind) celType() *types.Type     { return SeverityType }
func (penaltyKind) celType() *types.Type      { return PenaltyType }
func (roleKind) celType() *types.Type         { return RoleType }
func (categoryKind) celType() *types.Type     { return CategoryType }
func (severityKind) runtimeType() *types.Type { return severityRuntime }
func (penaltyKind) runtimeType() *types.Type  { return penaltyRuntime }
func (roleKind) runtimeType() *types.Type     { return RoleType }
func (categoryKind) runtimeType() *types.Type { return CategoryType }

// Enum is a one-byte CEL value of the kind K.
type Enum[K kind] uint8

// The enum values rule expressions see. Penalty values carry the penalty's
// level (close and ban share the top level); category values are indexes
// into the policy's catalogue.
type (
	Severity = Enum[severityKind]
	Penalty  = Enum[penaltyKind]
	Role     = Enum[roleKind]
	Category = Enum[categoryKind]
)

// ConvertToNative implements ref.Val.
func (v Enum[K]) ConvertToNative(typeDesc reflect.Type) (any, error) {
	if typeDesc.Kind() == reflect.Uint8 {
		return reflect.ValueOf(uint8(v)).Convert(typeDesc).Interface(), nil
	}
	return nil, fmt.Errorf("cannot convert %s to %v", v.Type().TypeName(), typeDesc)
}

// ConvertToType implements ref.Val.
func (v Enum[K]) ConvertToType(typeVal ref.Type) ref.Val {
	var k K
	switch typeVal {
	case k.celType(), k.runtimeType():
		return v
	case types.TypeType:
		return k.celType()
	case types.IntType:
		return types.Int(v)
	}
	return types.NewErr("type conversion error from '%s' to '%s'", k.celType().TypeName(), typeVal.TypeName())
}

// Equal implements ref.Val.
func (v Enum[K]) Equal(other ref.Val) ref.Val {
	o, ok := other.(Enum[K])
	return types.Bool(ok && o == v)
}

// Type implements ref.Val.
func (v Enum[K]) Type() ref.Type {
	var k K
	return k.runtimeType()
}

// Value implements ref.Val.
func (v Enum[K]) Value() any { return uint8(v) }

// Compare implements traits.Comparer.
func (v Enum[K]) Compare(other ref.Val) ref.Val {
	o, ok := other.(Enum[K])
	if !ok {
		return types.MaybeNoSuchOverloadErr(other)
	}
	switch {
	case v < o:
		return types.IntNegOne
	case v > o:
		return types.IntOne
	}
	return types.IntZero
}

// Ordering declares <, <=, > and >= for the ordered enum types (severity and
// penalty), so rule authors can write `violation.severity >= severity.high`.
// The overloads have no binding of their own: CEL's standard operators
// dispatch on the comparer trait that Enum implements.
func Ordering() cel.EnvOption {
	var opts []cel.EnvOption
	for _, fn := range []struct{ op, name string }{
		{operators.Less, "less"},
		{operators.LessEquals, "less_equals"},
		{operators.Greater, "greater"},
		{operators.GreaterEquals, "greater_equals"},
	} {
		var overloads []cel.FunctionOpt
		for _, t := range []*types.Type{SeverityType, PenaltyType} {
			overloads = append(overloads, cel.Overload(fn.name+"_"+t.TypeName(), []*types.Type{t, t}, types.BoolType))
		}
		opts = append(opts, cel.Function(fn.op, overloads...))
	}
	return func(e *cel.Env) (*cel.Env, error) {
		var err error
		for _, o := range opts {
			if e, err = o(e); err != nil {
				return nil, err
			}
		}
		return e, nil
	}
}
