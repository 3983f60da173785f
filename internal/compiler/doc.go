// Package compiler turns a policy's spec tree (package lang) into programs:
// it declares what rule expressions see, type-checks every CEL expression
// and maps its errors back into the YAML file, estimates each expression's
// cost against the budget, and reads the conditions' top-level conjuncts
// for the categories, roles and actor they require, so that the engine
// indexes rules by them and runs only the residual condition. It knows
// nothing of engines or decisions: package policy wraps its Policy.
package compiler
