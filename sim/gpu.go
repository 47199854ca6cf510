package sim

import (
	"fmt"
	"slices"
	"strings"
)

// GPU is the datasheet of one accelerator: what the roofline needs.
type GPU struct {
	// Name is the canonical name, as flags and run.json spell it.
	Name string
	// TFLOPS is the dense tensor-core peak by precision, in TFLOP/s; a
	// precision the GPU has no tensor cores for is absent.
	TFLOPS map[Precision]float64
	// MemoryGB is the HBM capacity in GB (1e9 bytes).
	MemoryGB float64
	// BandwidthTBs is the HBM bandwidth in TB/s (1e12 bytes/s).
	BandwidthTBs float64
	// ScaleUpGBs is the per-GPU scale-up (NVLink, Infinity Fabric) bandwidth
	// in GB/s that tensor-parallel all-reduces use; 0 means PCIe only.
	ScaleUpGBs float64
	// TDPWatts is the board power.
	TDPWatts float64
}

// pcieGBs is what a PCIe Gen4 x16 link carries each way, for GPUs without a
// scale-up fabric.
const pcieGBs = 32

// gpus are the accelerators of ../shared/data/gpu-reference.md ("Specs"):
// InferenceX gpu-specs.ts for H100 to GB200 and the AMD rows, LLM-Viewer
// hardware_params.py for A100, aiconfigurator systems YAML for L40S.
var gpus = []GPU{
	{Name: "H100", TFLOPS: tf(989, 1979, 0), MemoryGB: 80, BandwidthTBs: 3.35, ScaleUpGBs: 450, TDPWatts: 700},
	{Name: "H200", TFLOPS: tf(989, 1979, 0), MemoryGB: 141, BandwidthTBs: 4.8, ScaleUpGBs: 450, TDPWatts: 700},
	{Name: "B200", TFLOPS: tf(2250, 4500, 9000), MemoryGB: 180, BandwidthTBs: 8.0, ScaleUpGBs: 900, TDPWatts: 1000},
	{Name: "GB200", TFLOPS: tf(2500, 5000, 10000), MemoryGB: 192, BandwidthTBs: 8.0, ScaleUpGBs: 900, TDPWatts: 1200},
	{Name: "A100", TFLOPS: tf(312, 0, 0), MemoryGB: 80, BandwidthTBs: 2.039, ScaleUpGBs: 300, TDPWatts: 400},
	{Name: "L40S", TFLOPS: tf(362, 733, 0), MemoryGB: 48, BandwidthTBs: 0.864, ScaleUpGBs: 0, TDPWatts: 350},
	{Name: "L4", TFLOPS: tf(121, 242, 0), MemoryGB: 24, BandwidthTBs: 0.300, ScaleUpGBs: 0, TDPWatts: 72},
	{Name: "MI300X", TFLOPS: tf(1307, 2615, 0), MemoryGB: 192, BandwidthTBs: 5.3, ScaleUpGBs: 448, TDPWatts: 750},
	{Name: "MI325X", TFLOPS: tf(1307, 2615, 0), MemoryGB: 256, BandwidthTBs: 6.0, ScaleUpGBs: 448, TDPWatts: 1000},
	{Name: "MI355X", TFLOPS: tf(2516, 5033, 10066), MemoryGB: 288, BandwidthTBs: 8.0, ScaleUpGBs: 576, TDPWatts: 1400},
}

// gpuAliases maps other spellings (after normalize) to canonical names.
var gpuAliases = map[string]string{
	"h100sxm": "H100", "h100sxm5": "H100", "h10080gb": "H100",
	"h200sxm": "H200", "h200141gb": "H200",
	"a10080gb": "A100", "a100sxm": "A100", "a10080gbsxm": "A100", "a100sxm480gb": "A100",
	"gb200nvl72": "GB200",
}

func tf(bf16, fp8, fp4 float64) map[Precision]float64 {
	m := map[Precision]float64{BF16: bf16}
	if fp8 > 0 {
		m[FP8] = fp8
	}
	if fp4 > 0 {
		m[FP4] = fp4
	}
	return m
}

// normalize folds a name for lookup: lower case, without spaces, dashes,
// dots, underscores or slashes, so "H100 SXM", "h100-sxm" and "h100_sxm"
// are one name.
func normalize(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		switch r {
		case ' ', '-', '_', '.', '/':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// LookupGPU returns the profile of the GPU called name, case-insensitively
// and ignoring spaces, dashes and underscores ("h100", "H100-SXM").
func LookupGPU(name string) (GPU, error) {
	n := normalize(name)
	if alias, ok := gpuAliases[n]; ok {
		n = normalize(alias)
	}
	for _, g := range gpus {
		if normalize(g.Name) == n {
			return g, nil
		}
	}
	return GPU{}, fmt.Errorf("sim: unknown GPU %q (known: %s)", name, strings.Join(GPUNames(), ", "))
}

// GPUNames lists the canonical names of the GPU profiles.
func GPUNames() []string {
	names := make([]string, len(gpus))
	for i, g := range gpus {
		names[i] = g.Name
	}
	return names
}

// computePrecision is the precision the GPU's tensor cores run a model
// quantized to p at: p itself when the GPU has it, else the next wider one
// it has (weight-only quantization, as vLLM's Marlin kernels run FP8 weights
// on an A100 at BF16).
func (g GPU) computePrecision(p Precision) Precision {
	order := []Precision{FP4, FP8, BF16}
	for _, q := range order[slices.Index(order, p):] {
		if g.TFLOPS[q] > 0 {
			return q
		}
	}
	return BF16
}
