package policy

import (
	_ "embed"
	"sync"
)

//go:embed default.yaml
var defaultSource []byte

//go:embed default.properties.yaml
var defaultProperties []byte

// DefaultPropertiesFile is the name of the default policy's properties in
// error positions.
const DefaultPropertiesFile = "default.properties.yaml"

// DefaultProperties returns the properties of the default policy (see
// [ParseProperties]), which its tests and CI verify with [Engine.Verify].
func DefaultProperties() []byte { return append([]byte(nil), defaultProperties...) }

// DefaultFile is the name the default policy reports in error positions.
const DefaultFile = "default.yaml"

// DefaultSource returns the YAML of the default policy embedded in the module.
func DefaultSource() []byte { return append([]byte(nil), defaultSource...) }

var defaultEngine = sync.OnceValues(func() (*Engine, error) {
	return Compile(DefaultFile, defaultSource)
})

// Default returns the engine of the default policy, compiled once. The
// default policy is modelled on the 2017 group clean-up: zero tolerance for
// child sexual abuse material and personal-information trafficking, leaders
// answering for their groups, members answering only for their own acts, and
// graduated measures, a warning first, for everything else.
func Default() *Engine {
	e, err := defaultEngine()
	if err != nil {
		// The default policy is tested; failing here means the module is broken.
		panic("warden: the embedded default policy does not compile:\n" + err.Error())
	}
	return e
}
