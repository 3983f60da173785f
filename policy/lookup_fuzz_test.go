package policy

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// fuzzAtoms are the conditions generated policies combine: atoms the
// partition decides (enums, booleans, counts and ages cut at constants, a
// derived field) and residuals it leaves to CEL (ids, confidence,
// strikes(), two fields compared, a variable over an id).
var fuzzAtoms = []string{
	"violation.severity >= severity.%s",
	"violation.category == category.%c",
	"violation.category in [category.%c, category.%c]",
	"subject.is_actor",
	"subject.role == role.%r",
	"violation.verified",
	"violation.automated",
	"violation.trusted_report",
	"violation.zero_tolerance",
	"subject.real_name",
	"violation.reports >= %n",
	"group.members > %n",
	"group.admins < %n",
	"subject.prior_penalties == %n",
	`subject.age < duration("%nh")`,
	`group.age >= duration("%nh")`,
	`violation.id.startsWith("v%n")`,
	"violation.confidence > 0.5",
	`strikes(duration("720h")) >= %n`,
	"violation.reports > group.admins",
	"variables.leader",
	"variables.vip",
}

// fuzzPolicy writes a policy of rules whose conditions combine fuzzAtoms
// with &&, ||, ! and ?: as rng says.
func fuzzPolicy(rng *rand.Rand) string {
	cats := []string{"csam", "spam", "fraud"}
	fill := func(a string) string {
		var b strings.Builder
		for i := 0; i < len(a); i++ {
			if a[i] != '%' || i+1 == len(a) {
				b.WriteByte(a[i])
				continue
			}
			i++
			switch a[i] {
			case 's':
				b.WriteString([]string{"low", "medium", "high", "critical"}[rng.IntN(4)])
			case 'c':
				b.WriteString(cats[rng.IntN(3)])
			case 'r':
				b.WriteString([]string{"owner", "admin", "member"}[rng.IntN(3)])
			case 'n':
				fmt.Fprint(&b, rng.IntN(6))
			}
		}
		return b.String()
	}
	var cond func(depth int) string
	cond = func(depth int) string {
		if depth == 0 || rng.IntN(3) == 0 {
			return fill(fuzzAtoms[rng.IntN(len(fuzzAtoms))])
		}
		switch rng.IntN(4) {
		case 0:
			return "(" + cond(depth-1) + " && " + cond(depth-1) + ")"
		case 1:
			return "(" + cond(depth-1) + " || " + cond(depth-1) + ")"
		case 2:
			return "!(" + cond(depth-1) + ")"
		}
		return "(" + cond(depth-1) + " ? " + cond(depth-1) + " : " + cond(depth-1) + ")"
	}
	var b strings.Builder
	b.WriteString(`name: fuzz
version: "1"
settings: {cost_budget: 100000}
appeal: {route: help}
categories:
  - {name: csam, dsa_category: STATEMENT_CATEGORY_PROTECTION_OF_MINORS, zero_tolerance: true}
  - {name: spam, dsa_category: STATEMENT_CATEGORY_OTHER_VIOLATION_TC}
  - {name: fraud, dsa_category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD}
variables:
  - {name: leader, expression: "subject.role == role.owner || subject.role == role.admin"}
  - {name: vip, expression: "subject.id.startsWith(\"vip-\")"}
ladders:
  - name: repeat
    window: 365d
    steps: [{penalty: warn}, {penalty: restrict, duration: 7d}, {penalty: suspend, duration: 30d}]
rules:
`)
	for i := range 1 + rng.IntN(10) {
		target := []string{"account", "group"}[rng.IntN(2)]
		penalty := []string{"warn", "suspend\n    duration: 3d", "ban"}[rng.IntN(3)]
		if target == "group" {
			penalty = []string{"warn", "restrict\n    duration: 2d", "close"}[rng.IntN(3)]
		}
		switch rng.IntN(4) {
		case 0:
			penalty = fmt.Sprintf("%q", cond(1)+" ? penalty.warn : penalty.none")
		case 1:
			penalty = "" // the ladder
		}
		fmt.Fprintf(&b, "  - id: r%d\n    target: %s\n    when: %q\n", i, target, cond(3))
		if penalty == "" {
			b.WriteString("    ladder: repeat\n")
		} else {
			fmt.Fprintf(&b, "    penalty: %s\n", penalty)
		}
		fmt.Fprintf(&b, "    message: '\"rule %d\"'\n    ground: {kind: contractual, reference: terms}\n", i)
	}
	return b.String()
}

// FuzzLookupMatchesReference generates a policy and cases from the fuzz
// input and decides every case by lookup (with the default size limit and
// with one so small that rules fall back) and the slow way: the decisions
// must be identical.
func FuzzLookupMatchesReference(f *testing.F) {
	for _, seed := range []uint64{1, 2, 3, 13, 2017} {
		f.Add(seed, uint64(8))
	}
	f.Fuzz(func(t *testing.T, seed, limit uint64) {
		rng := rand.New(rand.NewPCG(seed, 1))
		src := []byte(fuzzPolicy(rng))
		slow, err := Compile("fuzz.yaml", src, withoutCaseSpace())
		if err != nil {
			t.Skipf("generated policy does not compile: %v\n%s", err, src)
		}
		for _, opts := range [][]Option{nil, {withMaxCells(int(1 + limit%64))}} {
			fast, err := Compile("fuzz.yaml", src, opts...)
			if err != nil {
				t.Fatalf("compiles without the case space but not with it: %v", err)
			}
			cases := rand.New(rand.NewPCG(seed, 2))
			for i := range 200 {
				sameDecision(t, fast, slow, generatedCase(cases, []string{"csam", "spam", "fraud"}), fmt.Sprintf("case %d of\n%s", i, src))
			}
		}
	})
}
