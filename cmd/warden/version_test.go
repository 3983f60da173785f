package main

import (
	"bytes"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/groupwarden/warden/policy"
)

// The module version is the main module's when warden is built in it (go
// install ./cmd/warden, or go install module@version), the dependency's
// when another module builds it, and (devel) otherwise.
func TestModuleVersion(t *testing.T) {
	defer func(f func() (*debug.BuildInfo, bool)) { buildInfo = f }(buildInfo)
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"installed at a version", &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "v1.4.0"}}, "v1.4.0"},
		{"local checkout", &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "(devel)"}}, "(devel)"},
		{"a dependency", &debug.BuildInfo{Main: debug.Module{Path: "example.com/tool"}, Deps: []*debug.Module{{Path: "other"}, {Path: modulePath, Version: "v1.3.2"}}}, "v1.3.2"},
		{"no version", &debug.BuildInfo{Main: debug.Module{Path: modulePath}}, "(devel)"},
		{"no build information", nil, "(devel)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			buildInfo = func() (*debug.BuildInfo, bool) { return tc.bi, tc.bi != nil }
			assert.Equal(t, tc.want, moduleVersion())
			var stdout, stderr bytes.Buffer
			require.Equal(t, exitOK, run([]string{"version"}, nil, &stdout, &stderr))
			assert.Equal(t, "warden "+tc.want+" (module "+modulePath+")\npolicy language "+policy.LanguageVersion+"\n", stdout.String())
		})
	}
}
