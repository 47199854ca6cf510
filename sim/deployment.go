package sim

import (
	"errors"
	"fmt"
	"time"
)

// Deployment is a Config resolved against its profiles: the GPU and model,
// the memory they leave for the KV cache, and the step-time model.
type Deployment struct {
	// Config is the defaulted configuration, with KVCapacityTokens and
	// MaxModelLen filled in.
	Config Config
	// GPU and Model are the resolved profiles; ServedModel the API's model id.
	GPU         GPU
	Model       ModelSpec
	ServedModel string
	// Compute is the precision the tensor cores run the weights' GEMMs at.
	Compute Precision
	// WeightBytesPerGPU is the HBM each tensor-parallel rank gives to weights.
	WeightBytesPerGPU float64
	// KVBytesPerToken is the KV cache one token takes on each rank.
	KVBytesPerToken float64
}

// Resolve defaults and validates c and resolves its profiles: it says what
// New would run, or why it would refuse.
func (c Config) Resolve() (Deployment, error) {
	c = c.withDefaults()
	if err := c.validate(); err != nil {
		return Deployment{}, err
	}
	g, _ := LookupGPU(c.GPU) // validated
	m, _ := c.model()
	c.GPU, c.Model = g.Name, m.Name
	c.Precision, _ = ParsePrecision(string(c.Precision))
	c.KVPrecision, _ = ParsePrecision(string(c.KVPrecision))
	d := Deployment{GPU: g, Model: m, ServedModel: c.served(m), Compute: g.computePrecision(c.Precision)}
	d.WeightBytesPerGPU = m.weightBytes(c.Precision) / float64(c.TP)
	// Grouped-query KV heads split across ranks; fewer heads than ranks (and
	// MLA's single latent) are replicated.
	kvHeadsPerGPU := (m.KVHeads + c.TP - 1) / c.TP
	d.KVBytesPerToken = float64(m.Layers*m.KVElemsPerHead*kvHeadsPerGPU) * c.KVPrecision.bytesPerParam()

	var errs []error
	usable := g.MemoryGB * 1e9 * c.GPUMemoryUtilization
	free := usable - d.WeightBytesPerGPU
	derived := int(free/d.KVBytesPerToken) / c.BlockSize * c.BlockSize
	if c.KVCapacityTokens == 0 {
		if derived < c.BlockSize {
			errs = append(errs, fmt.Errorf("sim: %s weights in %s take %.1f GB per GPU, more than the %.1f GB that %d x %s at utilisation %.2f give: use a larger --tp or a smaller --precision",
				m.Name, c.Precision, d.WeightBytesPerGPU/1e9, usable/1e9, c.TP, g.Name, c.GPUMemoryUtilization))
		}
		c.KVCapacityTokens = derived
	}
	if c.MaxModelLen == 0 {
		c.MaxModelLen = min(m.MaxContext, c.KVCapacityTokens)
	}
	if c.MaxModelLen < 2 {
		errs = append(errs, fmt.Errorf("sim: MaxModelLen %d leaves no room for a prompt and an output token", c.MaxModelLen))
	}
	if c.KVCapacityTokens < c.MaxModelLen {
		// As vLLM refuses to start: a request of the full context must fit,
		// or it would wait forever.
		errs = append(errs, fmt.Errorf("sim: KVCapacityTokens %d cannot hold one sequence of MaxModelLen %d", c.KVCapacityTokens, c.MaxModelLen))
	}
	d.Config = c
	return d, errors.Join(errs...)
}

// StepDuration is the duration of one step that prefills prefillTokens
// prompt tokens (as one fresh prompt), decodes decodeSeqs sequences and reads
// contextTokens tokens of KV cache, the prompt's included. The scheduler
// costs its steps from each sequence's exact context instead.
func (d Deployment) StepDuration(prefillTokens, decodeSeqs, contextTokens int) time.Duration {
	p := float64(prefillTokens)
	l := stepLoad{
		tokens:     prefillTokens + decodeSeqs,
		prefill:    prefillTokens,
		seqs:       decodeSeqs + min(prefillTokens, 1),
		decoders:   decodeSeqs,
		attnPairs:  p*(p+1)/2 + float64(max(contextTokens-prefillTokens, 0)),
		kvTokens:   contextTokens,
		decodeKV:   max(contextTokens-prefillTokens, 0),
		specTokens: d.Config.Spec.Tokens,
	}
	return d.stepDuration(l)
}

// KVCacheBytes is the HBM each rank gives to the KV cache.
func (d Deployment) KVCacheBytes() float64 {
	return float64(d.Config.KVCapacityTokens) * d.KVBytesPerToken
}

// String describes the deployment in one line, for logs.
func (d Deployment) String() string {
	c := d.Config
	return fmt.Sprintf("%s on %d x %s, %s weights (%.1f GB per GPU), %s KV cache of %d tokens (%.0f KiB per token per GPU), context %d",
		d.Model.Name, c.TP, d.GPU.Name, c.Precision, d.WeightBytesPerGPU/1e9, c.KVPrecision,
		c.KVCapacityTokens, d.KVBytesPerToken/1024, c.MaxModelLen)
}
