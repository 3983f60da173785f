// Command lookupgen writes internal/names/lookup_gen.go from the table of
// names: go generate ./internal/names.
package main

import (
	"fmt"
	"os"

	"github.com/groupwarden/warden/internal/names"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: lookupgen output.go")
		os.Exit(2)
	}
	src, err := names.LookupSource()
	if err == nil {
		err = os.WriteFile(os.Args[1], src, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "lookupgen:", err)
		os.Exit(1)
	}
}
