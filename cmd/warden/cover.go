package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/groupwarden/warden/policy"
)

// coverage is what the fixture cases run against one policy exercised:
// its rules (those that matched and those that won), the steps of its
// escalation ladders, the guards by outcome and the variables the
// evaluated conditions read. It is the "coverage" entry of warden test
// -json.
type coverage struct {
	Policy policy.PolicyRef `json:"policy"`
	// Decisions counts the decisions taken (a case that expects an error
	// takes none).
	Decisions int         `json:"decisions"`
	Rules     []ruleCover `json:"rules"`
	// RulesMatched counts the rules that matched at least once, Percent
	// is their share of all rules (100 for a policy without rules) and
	// NeverMatched names the others, in the order of the policy.
	RulesMatched int             `json:"rules_matched"`
	Percent      float64         `json:"percent"`
	NeverMatched []string        `json:"never_matched"`
	Ladders      []ladderCover   `json:"ladders"`
	Guards       []guardCover    `json:"guards"`
	Variables    []variableCover `json:"variables"`
}

// ruleCover counts the decisions in which a rule matched and won.
type ruleCover struct {
	ID      string        `json:"id"`
	Target  policy.Target `json:"target"`
	Matched int           `json:"matched"`
	Won     int           `json:"won"`
}

type ladderCover struct {
	Name  string      `json:"name"`
	Steps []stepCover `json:"steps"`
}

// stepCover counts the matches that took a step of a ladder (from 1).
type stepCover struct {
	Step     int             `json:"step"`
	Penalty  policy.Penalty  `json:"penalty"`
	Duration policy.Duration `json:"duration,omitempty"`
	Taken    int             `json:"taken"`
}

// guardCover counts a guard's notes by outcome. A guard the policy turns
// off can only be disabled; one it keeps on can only lower or hold.
type guardCover struct {
	Guard    policy.Guard `json:"guard"`
	Enabled  bool         `json:"enabled"`
	Lowered  int          `json:"lowered"`
	Pending  int          `json:"pending"`
	Disabled int          `json:"disabled"`
}

// variableCover counts the evaluated conditions that read a variable, and
// lists the values they saw, sorted.
type variableCover struct {
	Name   string   `json:"name"`
	Read   int      `json:"read"`
	Values []string `json:"values"`
}

// newCoverage lays out the coverage of a policy: its rules, ladders, guards
// and variables, read from its canonical form, none exercised yet.
func newCoverage(e *policy.Engine) (*coverage, error) {
	var spec struct {
		Guards map[string]struct {
			Enabled bool `json:"enabled"`
		} `json:"guards"`
		Variables []struct {
			Name string `json:"name"`
		} `json:"variables"`
		Ladders []struct {
			Name  string `json:"name"`
			Steps []struct {
				Penalty  policy.Penalty  `json:"penalty"`
				Duration policy.Duration `json:"duration"`
			} `json:"steps"`
		} `json:"ladders"`
	}
	if err := json.Unmarshal(e.Canonical(), &spec); err != nil {
		return nil, fmt.Errorf("coverage: reading the canonical form of the policy: %w", err)
	}
	c := &coverage{Policy: e.Policy(), NeverMatched: []string{}, Ladders: []ladderCover{}, Variables: []variableCover{}}
	for _, r := range e.Rules() {
		c.Rules = append(c.Rules, ruleCover{ID: r.ID, Target: r.Target})
	}
	for _, l := range spec.Ladders {
		lc := ladderCover{Name: l.Name}
		for i, s := range l.Steps {
			lc.Steps = append(lc.Steps, stepCover{Step: i + 1, Penalty: s.Penalty, Duration: s.Duration})
		}
		c.Ladders = append(c.Ladders, lc)
	}
	for _, g := range []policy.Guard{policy.GuardDoubleJudgment, policy.GuardNoCollectivePunishment, policy.GuardProportionality, policy.GuardDueProcess} {
		c.Guards = append(c.Guards, guardCover{Guard: g, Enabled: spec.Guards[g.String()].Enabled})
	}
	for _, v := range spec.Variables {
		c.Variables = append(c.Variables, variableCover{Name: v.Name, Values: []string{}})
	}
	return c, nil
}

// add counts what an explained decision exercised.
func (c *coverage) add(x policy.Explanation) {
	d := x.Decision
	c.Decisions++
	for i := range c.Rules {
		r := &c.Rules[i]
		if slices.ContainsFunc(d.Matches, func(m policy.Match) bool { return m.Rule == r.ID }) {
			r.Matched++
		}
		if d.Rule == r.ID {
			r.Won++
		}
	}
	for _, m := range d.Matches {
		for i := range c.Ladders {
			if l := &c.Ladders[i]; l.Name == m.Ladder && m.Step >= 1 && m.Step <= len(l.Steps) {
				l.Steps[m.Step-1].Taken++
			}
		}
	}
	for _, g := range d.Guards {
		for i := range c.Guards {
			if gc := &c.Guards[i]; gc.Guard == g.Guard {
				switch g.Action {
				case policy.InterventionLowered:
					gc.Lowered++
				case policy.InterventionPending:
					gc.Pending++
				case policy.InterventionDisabled:
					gc.Disabled++
				}
			}
		}
	}
	for _, t := range x.Rules {
		if t.Skipped != "" {
			continue // its condition was not evaluated
		}
		for _, b := range t.Reads {
			name, ok := strings.CutPrefix(b.Name, "variables.")
			if !ok {
				continue
			}
			for i := range c.Variables {
				if v := &c.Variables[i]; v.Name == name {
					v.Read++
					if !slices.Contains(v.Values, b.Value) {
						v.Values = append(v.Values, b.Value)
						slices.Sort(v.Values)
					}
				}
			}
		}
	}
}

// finish computes the totals.
func (c *coverage) finish() {
	c.RulesMatched = 0
	c.NeverMatched = []string{}
	for _, r := range c.Rules {
		if r.Matched > 0 {
			c.RulesMatched++
		} else {
			c.NeverMatched = append(c.NeverMatched, r.ID)
		}
	}
	c.Percent = 100
	if len(c.Rules) > 0 {
		c.Percent = float64(c.RulesMatched) * 100 / float64(len(c.Rules))
	}
}

// write renders the coverage as tables.
func (c *coverage) write(out io.Writer) {
	var w strings.Builder
	c.tables(&w)
	for line := range strings.Lines(w.String()) {
		io.WriteString(out, strings.TrimRight(line, " \n")+"\n")
	}
}

func (c *coverage) tables(w io.Writer) {
	fmt.Fprintf(w, "\ncoverage of policy %s %s (sha256 %s), %s:\n", c.Policy.Name, c.Policy.Version, c.Policy.Digest[:12], plural(c.Decisions, "decision"))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\n  rule\ttarget\tmatched\twon\t\n")
	for _, r := range c.Rules {
		note := ""
		if r.Matched == 0 {
			note = "never matched"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\t%s\n", r.ID, r.Target, r.Matched, r.Won, note)
	}
	tw.Flush()
	fmt.Fprintf(w, "  rules matched: %d of %d (%.1f%%)\n", c.RulesMatched, len(c.Rules), c.Percent)
	if len(c.NeverMatched) > 0 {
		fmt.Fprintf(w, "  never matched: %s\n", strings.Join(c.NeverMatched, ", "))
	}

	if len(c.Ladders) > 0 {
		taken, steps := 0, 0
		fmt.Fprintf(tw, "\n  ladder\tstep\tpenalty\ttaken\t\n")
		for _, l := range c.Ladders {
			for _, s := range l.Steps {
				steps++
				note := ""
				if s.Taken > 0 {
					taken++
				} else {
					note = "never taken"
				}
				fmt.Fprintf(tw, "  %s\t%d\t%s\t%d\t%s\n", l.Name, s.Step, penaltyText(s.Penalty, s.Duration), s.Taken, note)
			}
		}
		tw.Flush()
		fmt.Fprintf(w, "  ladder steps taken: %d of %d\n", taken, steps)
	}

	fmt.Fprintf(tw, "\n  guard\tenabled\tlowered\tpending\tdisabled\t\n")
	for _, g := range c.Guards {
		on, off := "-", "-"
		if g.Enabled {
			on = "yes"
		} else {
			on = "no"
		}
		cell := func(n int, possible bool) string {
			if !possible {
				return off
			}
			return fmt.Sprint(n)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t\n", g.Guard, on, cell(g.Lowered, g.Enabled), cell(g.Pending, g.Enabled), cell(g.Disabled, !g.Enabled))
	}
	tw.Flush()

	if len(c.Variables) > 0 {
		read := 0
		fmt.Fprintf(tw, "\n  variable\tread\tvalues seen\t\n")
		for _, v := range c.Variables {
			seen := strings.Join(v.Values, ", ")
			if v.Read > 0 {
				read++
			} else {
				seen = "never read"
			}
			fmt.Fprintf(tw, "  %s\t%d\t%s\t\n", v.Name, v.Read, seen)
		}
		tw.Flush()
		fmt.Fprintf(w, "  variables read: %d of %d\n", read, len(c.Variables))
	}
}
