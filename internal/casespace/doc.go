// Package casespace compiles the case space of a set of CEL expressions:
// the finite fields they read, partitioned at the constants they compare
// them with, and for every cell of the partition what each expression is
// there.
//
// Placeholder: the full doc comes with the design note.
package casespace
