package sim

import (
	"fmt"
	"math"
	"strings"
)

// ModelSpec is the architecture of one model, from its published config.json:
// what the roofline needs to count FLOPs and bytes.
type ModelSpec struct {
	// Name is the canonical profile name, also the default served model id.
	Name string
	// Source is the Hugging Face repository of the config the figures come from.
	Source string
	// Layers, Hidden, Heads, KVHeads and HeadDim are num_hidden_layers,
	// hidden_size, num_attention_heads, num_key_value_heads and head_dim.
	Layers, Hidden, Heads, KVHeads, HeadDim int
	// Vocab is vocab_size; the embedding and the LM head stay in BF16 in
	// quantized checkpoints.
	Vocab int
	// TiedEmbeddings is tie_word_embeddings: one table serves as both.
	TiedEmbeddings bool
	// Params is the total parameter count; ActiveParams what one token goes
	// through (equal for dense models).
	Params, ActiveParams float64
	// Experts and ExpertsPerToken are the routed experts per MoE layer and
	// how many each token picks; ExpertParams the parameters of all routed
	// experts together. Zero for dense models.
	Experts, ExpertsPerToken int
	ExpertParams             float64
	// KVElemsPerHead is the KV cache elements one token stores per layer and
	// KV head: 2 x HeadDim (K and V), or MLA's compressed latent plus rotary
	// key (DeepSeek: 512 + 64 with one shared "head", replicated on every
	// tensor-parallel rank).
	KVElemsPerHead int
	// AttnFLOPsPerPair is the attention FLOPs per layer for one query token
	// against one context token: QK^T and AV, 4 x Heads x HeadDim for
	// multi-head and grouped-query attention.
	AttnFLOPsPerPair float64
	// MaxContext is max_position_embeddings.
	MaxContext int
	// SlidingWindow is the attention window of the SlidingLayers layers
	// that use one (0: every layer attends to the whole context). Those
	// layers read and attend to at most SlidingWindow tokens of context.
	SlidingWindow int `json:",omitempty"`
	SlidingLayers int `json:",omitempty"`
}

// models are the profiles; the figures are those of each Source's config.json
// and model card.
var models = []ModelSpec{
	dense("llama-3.1-8b", "meta-llama/Llama-3.1-8B-Instruct", 32, 4096, 32, 8, 128, 128256, 8.03e9, 131072),
	dense("llama-3.1-70b", "meta-llama/Llama-3.1-70B-Instruct", 80, 8192, 64, 8, 128, 128256, 70.55e9, 131072),
	dense("llama-3.3-70b", "meta-llama/Llama-3.3-70B-Instruct", 80, 8192, 64, 8, 128, 128256, 70.55e9, 131072),
	dense("qwen-2.5-7b", "Qwen/Qwen2.5-7B-Instruct", 28, 3584, 28, 4, 128, 152064, 7.62e9, 32768),
	dense("qwen-2.5-32b", "Qwen/Qwen2.5-32B-Instruct", 64, 5120, 40, 8, 128, 152064, 32.76e9, 32768),
	{
		// 36 layers of 128 experts of 3 x 2880 x 2880 weights; alternating
		// sliding-window layers are modelled as full attention.
		Name: "gpt-oss-120b", Source: "openai/gpt-oss-120b",
		Layers: 36, Hidden: 2880, Heads: 64, KVHeads: 8, HeadDim: 64, Vocab: 201088,
		Params: 116.83e9, ActiveParams: 5.13e9,
		Experts: 128, ExpertsPerToken: 4, ExpertParams: 36 * 128 * 3 * 2880 * 2880,
		KVElemsPerHead: 2 * 64, AttnFLOPsPerPair: 4 * 64 * 64, MaxContext: 131072,
	},
	{
		// Multi-head latent attention: a 512-wide latent and a 64-wide rotary
		// key per token and layer; 58 MoE layers of 256 experts of
		// 3 x 7168 x 2048 weights. Prefill attention counts 192-wide QK and
		// 128-wide V heads.
		Name: "deepseek-v3", Source: "deepseek-ai/DeepSeek-V3",
		Layers: 61, Hidden: 7168, Heads: 128, KVHeads: 1, HeadDim: 128, Vocab: 129280,
		Params: 671e9, ActiveParams: 37e9,
		Experts: 256, ExpertsPerToken: 8, ExpertParams: 58 * 256 * 3 * 7168 * 2048,
		KVElemsPerHead: 512 + 64, AttnFLOPsPerPair: 2 * 128 * (192 + 128), MaxContext: 163840,
	},
}

// modelAliases maps other spellings (after normalize) to profile names.
var modelAliases = map[string]string{
	"metallamallama318b": "llama-3.1-8b", "metallamallama318binstruct": "llama-3.1-8b", "llama318binstruct": "llama-3.1-8b",
	"metallamallama3170b": "llama-3.1-70b", "metallamallama3170binstruct": "llama-3.1-70b", "llama3170binstruct": "llama-3.1-70b",
	"metallamallama3370binstruct": "llama-3.3-70b", "llama3370binstruct": "llama-3.3-70b",
	"qwenqwen257b": "qwen-2.5-7b", "qwenqwen257binstruct": "qwen-2.5-7b", "qwen257binstruct": "qwen-2.5-7b",
	"qwenqwen2532b": "qwen-2.5-32b", "qwenqwen2532binstruct": "qwen-2.5-32b", "qwen2532binstruct": "qwen-2.5-32b",
	"openaigptoss120b": "gpt-oss-120b", "deepseekaideepseekv3": "deepseek-v3", "deepseekr1": "deepseek-v3",
}

// dense is a Llama- or Qwen-style dense model with grouped-query attention.
func dense(name, source string, layers, hidden, heads, kvHeads, headDim, vocab int, params float64, ctx int) ModelSpec {
	return ModelSpec{
		Name: name, Source: source, Layers: layers, Hidden: hidden, Heads: heads, KVHeads: kvHeads,
		HeadDim: headDim, Vocab: vocab, Params: params, ActiveParams: params,
		KVElemsPerHead: 2 * headDim, AttnFLOPsPerPair: float64(4 * heads * headDim), MaxContext: ctx,
	}
}

// LookupModel returns the profile called name, case-insensitively and
// ignoring dashes, dots and slashes ("Llama-3.1-8B",
// "meta-llama/Llama-3.1-8B-Instruct").
func LookupModel(name string) (ModelSpec, error) {
	n := normalize(name)
	if alias, ok := modelAliases[n]; ok {
		n = normalize(alias)
	}
	for _, m := range models {
		if normalize(m.Name) == n {
			return m, nil
		}
	}
	if m, _, ok := lookupShipped(name); ok {
		return m, nil
	}
	return ModelSpec{}, fmt.Errorf("sim: unknown model profile %q (known: %s; or give a Hugging Face config.json with --model-config)", name, strings.Join(ModelNames(), ", "))
}

// ModelNames lists the names of the model profiles, then those of the
// shipped configs that are not profiles.
func ModelNames() []string {
	names := make([]string, 0, len(models))
	seen := map[string]bool{}
	for _, m := range models {
		names = append(names, m.Name)
		seen[m.Name] = true
	}
	for _, n := range ShippedModelNames() {
		if !seen[n] {
			names = append(names, n)
		}
	}
	return names
}

// embeddingParams is the size of the embedding table and of the LM head.
func (m ModelSpec) embeddingParams() (embed, head float64) {
	embed = float64(m.Vocab) * float64(m.Hidden)
	if m.TiedEmbeddings {
		return embed, 0
	}
	return embed, embed
}

// weightBytes is the HBM the weights take at precision p: the embedding and
// LM head in BF16, the rest in p.
func (m ModelSpec) weightBytes(p Precision) float64 {
	embed, head := m.embeddingParams()
	return (m.Params-embed-head)*p.bytesPerParam() + (embed+head)*BF16.bytesPerParam()
}

// readBytes is the weight bytes a forward step over tokens tokens reads: all
// of them but the embedding table (a gather), and of the routed experts only
// the share the tokens touch, 1 - (1 - k/E)^tokens per layer when routing is
// uniform.
func (m ModelSpec) readBytes(p Precision, tokens int) float64 {
	embed, _ := m.embeddingParams()
	if m.TiedEmbeddings {
		embed = 0 // the table is read whole as the LM head
	}
	total := m.weightBytes(p) - embed*BF16.bytesPerParam()
	if m.Experts == 0 {
		return total
	}
	experts := m.ExpertParams * p.bytesPerParam()
	miss := math.Pow(1-float64(m.ExpertsPerToken)/float64(m.Experts), float64(tokens))
	return total - experts*miss
}

// windowShare is the share of full attention work (pairs and KV reads) a
// step does when some layers attend through a sliding window: those layers
// see at most the window of each sequence's context. The step knows its
// total context and sequence count, so the mean context stands for each
// sequence's: exact when contexts are alike, an estimate otherwise.
func (m ModelSpec) windowShare(kvTokens, seqs int) float64 {
	if m.SlidingWindow <= 0 || m.SlidingLayers <= 0 || seqs <= 0 || kvTokens <= 0 {
		return 1
	}
	ctx := float64(kvTokens) / float64(seqs)
	w := float64(m.SlidingWindow)
	if ctx <= w {
		return 1
	}
	sliding := float64(m.SlidingLayers) / float64(m.Layers)
	return (1 - sliding) + sliding*w/ctx
}
