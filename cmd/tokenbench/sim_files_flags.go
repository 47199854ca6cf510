package main

import (
	"strings"

	"github.com/spf13/pflag"

	"github.com/tokenbench/tokenbench/sim"
)

// addSimFileFlags registers the built-in engine's flags that read files:
// --engine-profile (timing parameters, as `sim calibrate` writes them) and
// --model-config (a Hugging Face config.json, or a directory holding one).
// Each applies when parsed, so a flag after it on the command line wins
// (--engine-profile p.yaml --mfu 0.6 keeps 0.6).
func addSimFileFlags(fs *pflag.FlagSet, c *sim.Config, sf *simFlags) {
	if fs.Lookup("engine-profile") == nil {
		fs.Var(&engineProfileValue{c: c}, "engine-profile", "engine profile: a shipped one by name ("+strings.Join(sim.EngineProfileNames(), ", ")+") or a YAML file of timing parameters (tokenbench sim calibrate; docs/ENGINE.md), over the defaults")
		sf.names = append(sf.names, "engine-profile")
	}
	if fs.Lookup("model-config") == nil {
		fs.Var(&modelConfigValue{c: c, fs: fs}, "model-config", "the model's Hugging Face config.json, or a directory holding it (instead of a model profile)")
		sf.names = append(sf.names, "model-config")
	}
}

// engineProfileValue reads an engine profile over the configuration's
// timing.
type engineProfileValue struct {
	c    *sim.Config
	path string
}

func (v *engineProfileValue) String() string { return v.path }
func (v *engineProfileValue) Type() string   { return "file" }
func (v *engineProfileValue) Set(s string) error {
	t, err := sim.LoadEngineProfile(s, v.c.Timing)
	if err != nil {
		return err
	}
	v.c.Timing, v.path = t, s
	return nil
}

// modelConfigValue reads a model's config.json into the configuration:
// the model, and the checkpoint's precision unless --precision came first.
type modelConfigValue struct {
	c    *sim.Config
	fs   *pflag.FlagSet
	path string
}

func (v *modelConfigValue) String() string { return v.path }
func (v *modelConfigValue) Type() string   { return "file|dir" }
func (v *modelConfigValue) Set(s string) error {
	m, prec, err := sim.LoadModelConfig(s, "")
	if err != nil {
		return err
	}
	v.c.ModelSpec, v.c.Model, v.path = &m, m.Name, s
	if p := v.fs.Lookup("precision"); prec != "" && (p == nil || !p.Changed) {
		v.c.Precision = prec
	}
	return nil
}
