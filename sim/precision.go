package sim

import (
	"fmt"
	"strings"
)

// Precision is the number format of weights (and of the matrix multiplies
// that read them) or of the KV cache.
type Precision string

// The precisions of the profiles.
const (
	BF16 Precision = "bf16"
	FP8  Precision = "fp8"
	FP4  Precision = "fp4"
)

// ParsePrecision reads a precision case-insensitively; fp16, bfloat16 and
// float16 count as bf16 (same bytes, same tensor-core rate), e4m3 as fp8 and
// nvfp4 or mxfp4 as fp4.
func ParsePrecision(s string) (Precision, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "bf16", "bfloat16", "fp16", "float16", "half":
		return BF16, nil
	case "fp8", "float8", "e4m3", "fp8_e4m3":
		return FP8, nil
	case "fp4", "nvfp4", "mxfp4", "float4":
		return FP4, nil
	}
	return "", fmt.Errorf("sim: unknown precision %q (want bf16, fp8 or fp4)", s)
}

// bytesPerParam is what one weight takes in HBM. FP4 counts NVFP4's FP8
// scale per 16 values: 4.5 bits.
func (p Precision) bytesPerParam() float64 {
	switch p {
	case FP8:
		return 1
	case FP4:
		return 0.5625
	}
	return 2
}

// defaultKVPrecision is the KV cache format that goes with weights of p:
// bf16 weights keep a bf16 cache (vLLM's kv_cache_dtype auto); quantized
// checkpoints come with an FP8 cache, as NVIDIA's FP8 and FP4 checkpoints
// that TensorRT-LLM's published figures use.
func defaultKVPrecision(p Precision) Precision {
	if p == BF16 {
		return BF16
	}
	return FP8
}
