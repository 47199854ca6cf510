package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// A scenario file says in YAML what a command line can say: each key is the
// name of a flag of `tokenbench run` (without the dashes), each value what
// the flag would take. Lists give a repeatable flag (header) one value per
// item; a mapping becomes "key=value,..." (slo, sweep). Flags given on the
// command line win over the file.
//
//	name: vllm-chat
//	url: http://127.0.0.1:8000/v1
//	workload: sharegpt:examples/data/sharegpt-50.json
//	rate: 4
//	duration: 2m
//	slo: {ttft: 500ms, tpot: 50ms}
//	header: ["X-Tenant: team-a"]

// applyScenarioFile reads path and sets every flag of fs it names that was
// not given on the command line.
func applyScenarioFile(fs *pflag.FlagSet, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return usageError{err}
	}
	return applyScenario(fs, path, b)
}

// applyScenario is applyScenarioFile over bytes already read; errors name
// the file, the line and the setting.
func applyScenario(fs *pflag.FlagSet, path string, b []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // an empty file says nothing
		}
		return usageError{fmt.Errorf("%s: %v", path, err)}
	}
	if len(doc.Content) == 0 {
		return nil
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return usageError{fmt.Errorf("%s line %d: a scenario is a mapping of settings (flag: value)", path, m.Line)}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		name := k.Value
		fl := fs.Lookup(name)
		if fl == nil || name == "file" || name == "help" {
			return usageError{fmt.Errorf("%s line %d: unknown setting %q (the settings are the flags of the command: %s)", path, k.Line, name, flagNames(fs))}
		}
		if prev, dup := seen[name]; dup {
			return usageError{fmt.Errorf("%s line %d: %q is set twice (first on line %d)", path, k.Line, name, prev)}
		}
		seen[name] = k.Line
		if fl.Changed {
			continue // the command line wins
		}
		values, err := scenarioValues(v)
		if err != nil {
			return usageError{fmt.Errorf("%s line %d: %s: %v", path, v.Line, name, err)}
		}
		if len(values) > 1 && !strings.HasSuffix(fl.Value.Type(), "Array") && !strings.HasSuffix(fl.Value.Type(), "Slice") {
			return usageError{fmt.Errorf("%s line %d: %s takes one value, not a list", path, v.Line, name)}
		}
		for _, s := range values {
			s = resolvePath(path, name, s)
			if err := fs.Set(name, s); err != nil {
				return usageError{fmt.Errorf("%s line %d: %s: %v", path, v.Line, name, err)}
			}
		}
	}
	return nil
}

// resolvePath makes a file named in a scenario relative to the scenario
// file's directory, so `tokenbench run -f examples/scenarios/x.yaml` works
// from anywhere: the PATH of workload KIND:PATH, and the tokenizer file.
func resolvePath(scenario, name, value string) string {
	dir := filepath.Dir(scenario)
	rel := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	switch name {
	case "workload":
		if kind, p, ok := strings.Cut(value, ":"); ok {
			return kind + ":" + rel(p)
		}
	case "tokenizer":
		if strings.HasSuffix(value, ".json") {
			return rel(value)
		}
	}
	return value
}

// scenarioValues turns a YAML value into the flag values it stands for.
func scenarioValues(v *yaml.Node) ([]string, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		return []string{v.Value}, nil
	case yaml.SequenceNode:
		out := make([]string, 0, len(v.Content))
		for _, it := range v.Content {
			if it.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: list items must be plain values", it.Line)
			}
			out = append(out, it.Value)
		}
		return out, nil
	case yaml.MappingNode:
		parts := make([]string, 0, len(v.Content)/2)
		for i := 0; i+1 < len(v.Content); i += 2 {
			k, x := v.Content[i], v.Content[i+1]
			var val string
			switch x.Kind {
			case yaml.ScalarNode:
				val = x.Value
			case yaml.SequenceNode:
				items, err := scenarioValues(x)
				if err != nil {
					return nil, err
				}
				val = strings.Join(items, ",")
			default:
				return nil, fmt.Errorf("line %d: %s: expected a value or a list", x.Line, k.Value)
			}
			parts = append(parts, k.Value+"="+val)
		}
		if len(parts) == 0 {
			return nil, nil
		}
		return []string{strings.Join(parts, ",")}, nil
	case yaml.AliasNode:
		return scenarioValues(v.Alias)
	}
	return nil, fmt.Errorf("unsupported value")
}

func flagNames(fs *pflag.FlagSet) string {
	var names []string
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name != "file" && f.Name != "help" {
			names = append(names, f.Name)
		}
	})
	sort.Strings(names)
	return strings.Join(names, ", ")
}
