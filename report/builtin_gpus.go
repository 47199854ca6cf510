package report

import (
	"encoding/json"
	"fmt"

	"github.com/tokenbench/tokenbench/bench"
)

// BuiltinGPUs is what a built-in engine run stood for in GPUs, read from
// its run.json for `tokenbench cost` when --gpus (and --gpu) are not
// given: every GPU of every replica (--replicas x --tp), or of both pools
// of a disaggregated run ((P + D) x --tp), and the engine's GPU type.
type BuiltinGPUs struct {
	// GPUs is the count to price.
	GPUs int
	// GPU is the engine's GPU type ("H100 SXM"); empty when run.json does
	// not name one.
	GPU string
	// Why says where the count comes from, for the user:
	// "2 replicas of 4 H100 SXM".
	Why string
}

// ReadBuiltinGPUs reads dir/run.json and returns the GPUs of its built-in
// engine (BuiltinGPUsOf). ok is false when the file is absent or
// unreadable, or another server ran: the caller then needs --gpus.
func ReadBuiltinGPUs(dir string) (g BuiltinGPUs, ok bool) {
	ri, err := bench.ReadRunInfo(dir)
	if err != nil {
		return BuiltinGPUs{}, false
	}
	return BuiltinGPUsOf(ri)
}

// BuiltinGPUsOf returns the GPUs a built-in engine run stood for: run.json
// routing.gpus for a routed or disaggregated run, else the engine's
// tensor-parallel size. ok is false for another server, or when neither
// gives a count.
func BuiltinGPUsOf(ri bench.RunInfo) (g BuiltinGPUs, ok bool) {
	if !ri.Target.Builtin {
		return BuiltinGPUs{}, false
	}
	// Engine is the engine's configuration as run.json holds it (package
	// sim writes it; report does not import sim): only its GPU and TP.
	var eng struct {
		GPU string
		TP  int
	}
	if b, err := json.Marshal(ri.Engine); err == nil {
		_ = json.Unmarshal(b, &eng) // a field of another shape leaves its zero: no count
	}
	switch r := ri.Routing; {
	case r != nil && r.Disagg != nil && r.GPUs > 0:
		return BuiltinGPUs{r.GPUs, eng.GPU, fmt.Sprintf("%d prefill + %d decode engines of %d %s", r.Disagg.Prefill, r.Disagg.Decode, r.Disagg.TP, eng.GPU)}, true
	case r != nil && r.GPUs > 0:
		return BuiltinGPUs{r.GPUs, eng.GPU, fmt.Sprintf("%d replicas of %d %s", r.Replicas, eng.TP, eng.GPU)}, true
	case eng.TP > 0:
		return BuiltinGPUs{eng.TP, eng.GPU, fmt.Sprintf("the built-in engine on %d %s", eng.TP, eng.GPU)}, true
	}
	return BuiltinGPUs{}, false
}
