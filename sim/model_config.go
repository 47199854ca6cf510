package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// hfConfig is the part of a Hugging Face config.json the roofline needs.
// Field names differ between families; each is read where it is found:
// Llama, Mistral, Qwen2/2.5/3, Mixtral, Qwen MoE, DeepSeek V2/V3 (MLA),
// Llama 4 (a text_config inside a multimodal config) and gpt-oss.
type hfConfig struct {
	ModelType     string    `json:"model_type"`
	Architectures []string  `json:"architectures"`
	TextConfig    *hfConfig `json:"text_config"`

	Layers       int  `json:"num_hidden_layers"`
	Hidden       int  `json:"hidden_size"`
	Heads        int  `json:"num_attention_heads"`
	KVHeads      *int `json:"num_key_value_heads"`
	HeadDim      *int `json:"head_dim"`
	Intermediate int  `json:"intermediate_size"`
	// IntermediateMLP is Llama 4's width of its dense (non-MoE) layers.
	IntermediateMLP int  `json:"intermediate_size_mlp"`
	Vocab           int  `json:"vocab_size"`
	Tied            bool `json:"tie_word_embeddings"`
	MaxPositions    int  `json:"max_position_embeddings"`

	// MoE: routed experts and how many each token picks.
	NumLocalExperts    int `json:"num_local_experts"` // Mixtral, Llama 4, gpt-oss
	NumExperts         int `json:"num_experts"`       // Qwen MoE
	NRoutedExperts     int `json:"n_routed_experts"`  // DeepSeek
	ExpertsPerTok      int `json:"num_experts_per_tok"`
	ExpertsPerToken    int `json:"experts_per_token"` // gpt-oss spelling
	MoEIntermediate    int `json:"moe_intermediate_size"`
	NSharedExperts     int `json:"n_shared_experts"`                // DeepSeek
	SharedIntermediate int `json:"shared_expert_intermediate_size"` // Qwen2 MoE
	// Which layers are MoE: DeepSeek's first k are dense; Qwen MoE's every
	// decoder_sparse_step-th layer not in mlp_only_layers; Llama 4's every
	// interleave_moe_layer_step-th layer (or the explicit moe_layers).
	FirstKDense    int   `json:"first_k_dense_replace"`
	MoELayerFreq   int   `json:"moe_layer_freq"`
	SparseStep     int   `json:"decoder_sparse_step"`
	MLPOnlyLayers  []int `json:"mlp_only_layers"`
	InterleaveStep int   `json:"interleave_moe_layer_step"`
	MoELayers      []int `json:"moe_layers"`

	// Multi-head latent attention (DeepSeek).
	KVLoraRank    int `json:"kv_lora_rank"`
	QLoraRank     int `json:"q_lora_rank"`
	QKNopeHeadDim int `json:"qk_nope_head_dim"`
	QKRopeHeadDim int `json:"qk_rope_head_dim"`
	VHeadDim      int `json:"v_head_dim"`

	// Sliding-window attention: the window, whether it is on (Qwen's
	// use_sliding_window), and which layers use it (layer_types, or Qwen's
	// max_window_layers).
	SlidingWindow    *int     `json:"sliding_window"`
	UseSlidingWindow *bool    `json:"use_sliding_window"`
	MaxWindowLayers  int      `json:"max_window_layers"`
	LayerTypes       []string `json:"layer_types"`

	TorchDType         string          `json:"torch_dtype"`
	DType              string          `json:"dtype"`
	QuantizationConfig json.RawMessage `json:"quantization_config"`
	NameOrPath         string          `json:"_name_or_path"`
}

// ParseModelConfig builds a ModelSpec from the bytes of a Hugging Face
// config.json. name becomes the spec's Name (and so the served model id);
// the weight precision the checkpoint declares is returned beside it
// (quantization_config, else torch_dtype), for callers that take it as the
// default.
func ParseModelConfig(data []byte, name string) (ModelSpec, Precision, error) {
	var c hfConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return ModelSpec{}, "", fmt.Errorf("sim: model config: %w", err)
	}
	top := c
	if c.TextConfig != nil && c.Layers == 0 {
		c = *c.TextConfig // multimodal wrapper (Llama 4): the text model is inside
		if c.QuantizationConfig == nil {
			c.QuantizationConfig = top.QuantizationConfig
		}
		if c.TorchDType == "" {
			c.TorchDType = top.TorchDType
		}
	}
	if name == "" {
		name = c.NameOrPath
	}
	var errs []error
	for _, f := range []struct {
		key string
		v   int
	}{{"num_hidden_layers", c.Layers}, {"hidden_size", c.Hidden}, {"num_attention_heads", c.Heads}, {"vocab_size", c.Vocab}} {
		if f.v <= 0 {
			errs = append(errs, fmt.Errorf("%s is missing or not positive", f.key))
		}
	}
	if len(errs) > 0 {
		return ModelSpec{}, "", fmt.Errorf("sim: model config %s: %w", name, errors.Join(errs...))
	}
	m := ModelSpec{Name: name, Source: c.NameOrPath, Layers: c.Layers, Hidden: c.Hidden, Heads: c.Heads,
		Vocab: c.Vocab, TiedEmbeddings: c.Tied, MaxContext: c.MaxPositions}
	if m.MaxContext <= 0 {
		m.MaxContext = 4096
	}
	m.KVHeads = c.Heads
	if c.KVHeads != nil && *c.KVHeads > 0 {
		m.KVHeads = *c.KVHeads
	}
	m.HeadDim = c.Hidden / c.Heads
	if c.HeadDim != nil && *c.HeadDim > 0 {
		m.HeadDim = *c.HeadDim
	}
	h := float64(c.Hidden)

	// Attention weights and the KV cache per token.
	var attn float64
	if c.KVLoraRank > 0 {
		// MLA: the cache holds the compressed latent and the rotary key, one
		// shared "head"; queries come through an optional low-rank projection.
		qk := c.QKNopeHeadDim + c.QKRopeHeadDim
		v := c.VHeadDim
		if v == 0 {
			v = c.QKNopeHeadDim
		}
		heads := float64(c.Heads)
		if c.QLoraRank > 0 {
			attn += h*float64(c.QLoraRank) + float64(c.QLoraRank)*heads*float64(qk)
		} else {
			attn += h * heads * float64(qk)
		}
		attn += h * float64(c.KVLoraRank+c.QKRopeHeadDim)
		attn += float64(c.KVLoraRank) * heads * float64(c.QKNopeHeadDim+v)
		attn += heads * float64(v) * h
		m.KVHeads, m.HeadDim = 1, qk
		m.KVElemsPerHead = c.KVLoraRank + c.QKRopeHeadDim
		m.AttnFLOPsPerPair = 2 * heads * float64(qk+v)
	} else {
		q := float64(m.Heads * m.HeadDim)
		kv := float64(m.KVHeads * m.HeadDim)
		attn = h*q + 2*h*kv + q*h
		m.KVElemsPerHead = 2 * m.HeadDim
		m.AttnFLOPsPerPair = float64(4 * m.Heads * m.HeadDim)
	}

	// Feed-forward: dense layers, routed experts and shared experts.
	experts := firstPositive(c.NumLocalExperts, c.NumExperts, c.NRoutedExperts)
	perTok := firstPositive(c.ExpertsPerTok, c.ExpertsPerToken)
	denseWidth := c.Intermediate
	if c.IntermediateMLP > 0 {
		denseWidth = c.IntermediateMLP
	}
	dense := 3 * h * float64(denseWidth)
	var routed, shared float64
	moeLayers := 0
	if experts > 0 {
		if perTok <= 0 || perTok > experts {
			return ModelSpec{}, "", fmt.Errorf("sim: model config %s: %d experts but num_experts_per_tok %d", name, experts, perTok)
		}
		width := c.MoEIntermediate
		if width == 0 {
			width = c.Intermediate
		}
		expert := 3 * h * float64(width)
		routed = float64(experts)*expert + h*float64(experts) // experts and the router
		switch {
		case c.NSharedExperts > 0:
			shared = float64(c.NSharedExperts) * expert
		case c.SharedIntermediate > 0:
			shared = 3*h*float64(c.SharedIntermediate) + h // Qwen2 MoE's gated shared expert
		case c.ModelType == "llama4_text" || c.ModelType == "llama4":
			shared = 3 * h * float64(c.Intermediate) // one shared expert per MoE layer
		}
		moeLayers = countMoELayers(c)
		m.Experts, m.ExpertsPerToken = experts, perTok
		m.ExpertParams = float64(moeLayers) * float64(experts) * expert
	}
	perLayerNorms := 2 * h
	layers := float64(c.Layers)
	m.Params = layers*(attn+perLayerNorms) + float64(c.Layers-moeLayers)*dense + float64(moeLayers)*(routed+shared)
	embed, head := m.embeddingParams()
	m.Params += embed + head + h
	// What one token goes through: all but the routed experts it skips.
	m.ActiveParams = m.Params
	if experts > 0 {
		m.ActiveParams -= m.ExpertParams * (1 - float64(perTok)/float64(experts))
	}

	// Sliding windows, where on.
	if c.SlidingWindow != nil && *c.SlidingWindow > 0 && (c.UseSlidingWindow == nil || *c.UseSlidingWindow) {
		m.SlidingWindow = *c.SlidingWindow
		switch {
		case len(c.LayerTypes) > 0:
			for _, t := range c.LayerTypes {
				if strings.Contains(t, "sliding") {
					m.SlidingLayers++
				}
			}
		case c.UseSlidingWindow != nil && c.MaxWindowLayers > 0 && c.MaxWindowLayers < c.Layers:
			// Qwen2: layers from max_window_layers on use the window.
			m.SlidingLayers = c.Layers - c.MaxWindowLayers
		default:
			m.SlidingLayers = c.Layers
		}
		if m.SlidingWindow >= m.MaxContext {
			m.SlidingWindow, m.SlidingLayers = 0, 0 // a window as long as the context is none
		}
	}
	return m, checkpointPrecision(c), nil
}

// countMoELayers is how many decoder layers route to experts.
func countMoELayers(c hfConfig) int {
	switch {
	case len(c.MoELayers) > 0:
		return len(c.MoELayers)
	case c.NRoutedExperts > 0: // DeepSeek
		freq := max(c.MoELayerFreq, 1)
		n := 0
		for l := c.FirstKDense; l < c.Layers; l++ {
			if l%freq == 0 {
				n++
			}
		}
		return n
	case c.InterleaveStep > 1: // Llama 4 Maverick: every step-th layer
		return c.Layers / c.InterleaveStep
	case c.SparseStep > 0: // Qwen MoE
		skip := map[int]bool{}
		for _, l := range c.MLPOnlyLayers {
			skip[l] = true
		}
		n := 0
		for l := 0; l < c.Layers; l++ {
			if !skip[l] && (l+1)%c.SparseStep == 0 {
				n++
			}
		}
		return n
	}
	return c.Layers
}

// checkpointPrecision is the weight format a config declares: its
// quantization method, else its dtype.
func checkpointPrecision(c hfConfig) Precision {
	if len(c.QuantizationConfig) > 0 && string(c.QuantizationConfig) != "null" {
		q := strings.ToLower(string(c.QuantizationConfig))
		switch {
		case strings.Contains(q, "mxfp4"), strings.Contains(q, "nvfp4"), strings.Contains(q, `"fp4"`):
			return FP4
		case strings.Contains(q, `"fp8"`), strings.Contains(q, "float8"), strings.Contains(q, `"num_bits": 8`) && strings.Contains(q, `"type": "float"`),
			strings.Contains(q, `"num_bits":8`) && strings.Contains(q, `"type":"float"`):
			return FP8
		}
	}
	return BF16
}

func firstPositive(vs ...int) int {
	for _, v := range vs {
		if v > 0 {
			return v
		}
	}
	return 0
}

// LoadModelConfig reads a Hugging Face config.json, or the config.json in a
// directory, into a ModelSpec named after the directory (or the config's
// _name_or_path) unless name is given.
func LoadModelConfig(path, name string) (ModelSpec, Precision, error) {
	p := path
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		p = filepath.Join(path, "config.json")
		if name == "" {
			name = filepath.Base(filepath.Clean(path))
		}
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return ModelSpec{}, "", fmt.Errorf("sim: model config: %w", err)
	}
	m, prec, err := ParseModelConfig(b, name)
	if err != nil {
		return ModelSpec{}, "", fmt.Errorf("%w (in %s)", err, p)
	}
	if m.Name == "" {
		m.Name = strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
	}
	return m, prec, nil
}
