// Package seeds reads the group cases of the repository's testdata (the
// golden plans' cases and the campaign sample) as JSON lines, to seed the
// fuzz targets that take a group case. It is for tests only.
package seeds

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/groupwarden/warden/internal/vocab"
)

// GroupCases returns, as JSON, the case of every testdata/plans/*.yaml
// file and every line of testdata/campaign/sample.jsonl under testdata.
func GroupCases(testdata string) ([][]byte, error) {
	var out [][]byte
	paths, err := filepath.Glob(filepath.Join(testdata, "plans", "*.yaml"))
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var fx struct {
			Case vocab.GroupCase `yaml:"case"`
		}
		if err := yaml.Unmarshal(src, &fx); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		b, err := json.Marshal(fx.Case)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	sample, err := os.Open(filepath.Join(testdata, "campaign", "sample.jsonl"))
	if err != nil {
		return nil, err
	}
	defer sample.Close()
	sc := bufio.NewScanner(sample)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		out = append(out, bytes.Clone(sc.Bytes()))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no group cases under %s", testdata)
	}
	return out, nil
}
