package main

import (
	"fmt"
	"runtime/debug"

	"github.com/groupwarden/warden/policy"
)

const versionUsage = `Usage: warden version [-json]

Version prints the version of the warden module the command was built
from, "(devel)" for a build from a local checkout, and the version of the
policy language it compiles (policy.LanguageVersion). With -json it prints
{"module", "version", "policy_language"}.
`

// modulePath is the path of the module warden belongs to.
const modulePath = "github.com/groupwarden/warden"

// buildInfo reads the build information of the binary; tests replace it.
var buildInfo = debug.ReadBuildInfo

// versionInfo is the output of warden version -json.
type versionInfo struct {
	Module         string `json:"module"`
	Version        string `json:"version"`
	PolicyLanguage string `json:"policy_language"`
}

func runVersion(e *env, args []string) int {
	f := newFlags("version", versionUsage)
	asJSON := f.Bool("json", false, "print the versions as JSON")
	rest, status, ok := f.parse(e, args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		return f.fail(e, "version takes no arguments")
	}
	v := versionInfo{Module: modulePath, Version: moduleVersion(), PolicyLanguage: policy.LanguageVersion}
	if *asJSON {
		if err := writeJSON(e.stdout, v); err != nil {
			fmt.Fprintf(e.stderr, "warden version: %v\n", err)
			return exitFail
		}
		return exitOK
	}
	fmt.Fprintf(e.stdout, "warden %s (module %s)\npolicy language %s\n", v.Version, v.Module, v.PolicyLanguage)
	return exitOK
}

// moduleVersion is the version of the warden module in the binary:
// the main module's when warden was built in it, the version of the
// dependency when warden was built from another module, "(devel)" when
// the build carries none.
func moduleVersion() string {
	bi, ok := buildInfo()
	if !ok {
		return "(devel)"
	}
	if bi.Main.Path == modulePath && bi.Main.Version != "" {
		return bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == modulePath && d.Version != "" {
			return d.Version
		}
	}
	return "(devel)"
}
