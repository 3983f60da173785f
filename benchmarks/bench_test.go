package benchmarks

import (
	"context"
	"testing"
)

// BenchmarkDecide takes the same decision on each pre-built case with each
// implementation: BenchmarkDecide/<case>/<implementation>. The hand-written
// Go ("go") is the floor to quote the others against, in the same run.
func BenchmarkDecide(b *testing.B) {
	ds := deciders(b)
	ctx := context.Background()
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			for _, d := range ds {
				b.Run(d.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						if _, err := d.decide(ctx, tc.c); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
