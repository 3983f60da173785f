package main

import (
	"bytes"
	"fmt"
	"strings"
)

// diffContext is how many unchanged lines surround a change in a diff.
const diffContext = 3

// unifiedDiff returns the changes from a to b as a unified diff of the file
// name, as gofmt -d prints it; nil when they are equal.
func unifiedDiff(name string, a, b []byte) []byte {
	if bytes.Equal(a, b) {
		return nil
	}
	x, y := splitLines(a), splitLines(b)
	ops := diffLines(x, y)
	var out bytes.Buffer
	fmt.Fprintf(&out, "--- %s.orig\n+++ %s\n", name, name)
	// Group the edits into hunks with their context.
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(i-diffContext, 0)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*diffContext {
				end = min(end+diffContext, len(ops))
				break
			}
			end = run
		}
		hunk := ops[start:end]
		ax, bx := hunk[0].ai, hunk[0].bi
		an, bn := 0, 0
		for _, op := range hunk {
			if op.kind != '+' {
				an++
			}
			if op.kind != '-' {
				bn++
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(ax, an), hunkRange(bx, bn))
		for _, op := range hunk {
			out.WriteByte(op.kind)
			out.WriteString(op.text)
			out.WriteByte('\n')
		}
		i = end
	}
	return out.Bytes()
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return fmt.Sprint(start + 1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

func splitLines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// diffOp is a line kept (' '), removed ('-') or added ('+'), with its index
// in each side before it.
type diffOp struct {
	kind   byte
	text   string
	ai, bi int
}

// maxDiffCells bounds the table of diffLines: past it, the lines between
// the common head and tail are shown as removed and added whole.
const maxDiffCells = 1 << 22

// diffLines computes a shortest edit script by the longest common
// subsequence, after the lines both sides start and end with; the
// quadratic table is bounded by maxDiffCells.
func diffLines(a, b []string) []diffOp {
	var ops []diffOp
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		ops = append(ops, diffOp{' ', a[head], head, head})
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	x, y := a[head:len(a)-tail], b[head:len(b)-tail]
	n, m := len(x), len(y)
	if n*m > maxDiffCells {
		for i, line := range x {
			ops = append(ops, diffOp{'-', line, head + i, head})
		}
		for j, line := range y {
			ops = append(ops, diffOp{'+', line, head + n, head + j})
		}
	} else {
		lcs := make([][]int32, n+1)
		for i := range lcs {
			lcs[i] = make([]int32, m+1)
		}
		for i := n - 1; i >= 0; i-- {
			for j := m - 1; j >= 0; j-- {
				if x[i] == y[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < n || j < m {
			switch {
			case i < n && j < m && x[i] == y[j]:
				ops = append(ops, diffOp{' ', x[i], head + i, head + j})
				i++
				j++
			case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
				ops = append(ops, diffOp{'-', x[i], head + i, head + j})
				i++
			default:
				ops = append(ops, diffOp{'+', y[j], head + i, head + j})
				j++
			}
		}
	}
	for k := tail; k > 0; k-- {
		ops = append(ops, diffOp{' ', a[len(a)-k], len(a) - k, len(b) - k})
	}
	return ops
}
