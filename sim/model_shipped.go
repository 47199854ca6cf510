package sim

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
)

// shippedConfigs are Hugging Face config.json files of common model families,
// one per file named after the profile it defines (the figures are those of
// each file's _name_or_path repository). Each may list other repository ids
// that share its architecture (instruct or quantized variants) under
// "tokenbench_aliases", a key Hugging Face does not use.
//
//go:embed models/*.json
var shippedConfigs embed.FS

type shippedModel struct {
	spec      ModelSpec
	precision Precision
	names     []string // normalized names it answers to
}

var (
	shippedOnce sync.Once
	shipped     []shippedModel
	shippedErr  error
)

// shippedModels parses the embedded configs once.
func shippedModels() ([]shippedModel, error) {
	shippedOnce.Do(func() {
		entries, err := shippedConfigs.ReadDir("models")
		if err != nil {
			shippedErr = err
			return
		}
		for _, e := range entries {
			b, err := shippedConfigs.ReadFile(path.Join("models", e.Name()))
			if err != nil {
				shippedErr = err
				return
			}
			name := strings.TrimSuffix(e.Name(), ".json")
			m, p, err := ParseModelConfig(b, name)
			if err != nil {
				shippedErr = fmt.Errorf("sim: shipped %s: %w", e.Name(), err)
				return
			}
			var extra struct {
				Aliases []string `json:"tokenbench_aliases"`
			}
			_ = json.Unmarshal(b, &extra) // ParseModelConfig read the same bytes
			names := []string{normalize(name), normalize(m.Source)}
			for _, a := range extra.Aliases {
				names = append(names, normalize(a))
			}
			shipped = append(shipped, shippedModel{spec: m, precision: p, names: names})
		}
		sort.Slice(shipped, func(i, j int) bool { return shipped[i].spec.Name < shipped[j].spec.Name })
	})
	return shipped, shippedErr
}

// lookupShipped finds a shipped config by profile name, repository id or
// alias; the precision is the one the checkpoint declares.
func lookupShipped(name string) (ModelSpec, Precision, bool) {
	ms, err := shippedModels()
	if err != nil {
		return ModelSpec{}, "", false
	}
	n := normalize(name)
	for _, m := range ms {
		for _, k := range m.names {
			if k == n {
				return m.spec, m.precision, true
			}
		}
	}
	return ModelSpec{}, "", false
}

// ShippedModelNames lists the model configs shipped in the binary.
func ShippedModelNames() []string {
	ms, _ := shippedModels()
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.spec.Name
	}
	return out
}
