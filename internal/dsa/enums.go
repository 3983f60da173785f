// Package dsa holds the value lists of the DSA Transparency Database: every
// enum key, country and language code its submissions accept.
package dsa

import (
	_ "embed"
	"encoding/json"
	"slices"
)

//go:embed enums.json
var enumsJSON []byte

// Enums maps each list name of the database (STATEMENT_CATEGORIES,
// KEYWORDS, ...) to its accepted values.
var Enums = func() map[string][]string {
	var m map[string][]string
	if err := json.Unmarshal(enumsJSON, &m); err != nil {
		panic("dsa: embedded enums.json: " + err.Error())
	}
	return m
}()

// Has reports whether value is accepted in the named list.
func Has(list, value string) bool { return slices.Contains(Enums[list], value) }
