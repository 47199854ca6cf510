package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"
)

// Experiment is one measured deployment of the sim-to-real data set
// (../shared/data/sim2real/experiments.json): a model served by vLLM on
// some GPUs, an inference-perf shared-prefix workload in constant-rate
// stages, and the latencies measured per stage and overall.
type Experiment struct {
	ID                  string   `json:"id"`
	Model               string   `json:"model"`
	Hardware            string   `json:"hardware"`
	TP                  int      `json:"tp"`
	Precision           string   `json:"precision"`
	MaxNumBatchedTokens int      `json:"max_num_batched_tokens"`
	GPUMemUtil          *float64 `json:"gpu_mem_util"`
	Workload            string   `json:"workload"`
	Engine              struct {
		MaxNumSeqs  int `json:"max_num_seqs"`
		MaxModelLen int `json:"max_model_len"`
	} `json:"engine"`
	Spec   SharedPrefixSpec    `json:"workload_spec"`
	Actual map[string]Measured `json:"actual"`

	// Replay, when set, are the requests as a results directory recorded
	// them (ReadRunExperiment): Requests returns them instead of building
	// Spec's.
	Replay []ReplayRequest `json:"-"`
	// Deployment, when set, is the engine configuration to replay on (its
	// timing and time scale are replaced); else Config builds one from the
	// fields above.
	Deployment *Config `json:"-"`
}

// SharedPrefixSpec is inference-perf's shared_prefix data: G system prompts
// each shared by U users, a question per user, a fixed output length, and
// constant-rate load stages.
type SharedPrefixSpec struct {
	SystemPrompts   int     `json:"num_unique_system_prompts"`
	UsersPerPrompt  int     `json:"num_users_per_system_prompt"`
	SystemPromptLen int     `json:"system_prompt_len"`
	QuestionLen     int     `json:"question_len"`
	OutputLen       int     `json:"output_len"`
	MultiTurn       bool    `json:"enable_multi_turn_chat"`
	Stages          []Stage `json:"stages"`
}

// Stage is a constant-rate load stage: Rate requests per second, 1/Rate
// apart, for DurationS seconds.
type Stage struct {
	Rate      float64 `json:"rate"`
	DurationS float64 `json:"duration_s"`
}

// Measured is a latency summary in milliseconds. ITLMean is
// (e2e_mean - ttft_mean) / (mean output length - 1), as the data set
// defines it.
type Measured struct {
	TTFTMean float64 `json:"ttft_mean"`
	TTFTP90  float64 `json:"ttft_p90"`
	TTFTP99  float64 `json:"ttft_p99"`
	E2EMean  float64 `json:"e2e_mean"`
	E2EP90   float64 `json:"e2e_p90"`
	E2EP99   float64 `json:"e2e_p99"`
	ITLMean  float64 `json:"itl_mean"`
}

// ReadExperiments reads an experiments file (a JSON array of Experiment)
// and checks each entry can be replayed.
func ReadExperiments(path string) ([]Experiment, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sim: experiments: %w", err)
	}
	exps, err := ParseExperiments(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return exps, nil
}

// ParseExperiments decodes and checks an experiments file's bytes.
func ParseExperiments(b []byte) ([]Experiment, error) {
	var exps []Experiment
	if err := json.Unmarshal(b, &exps); err != nil {
		return nil, fmt.Errorf("sim: experiments: %w", err)
	}
	if len(exps) == 0 {
		return nil, errors.New("sim: experiments: none in the file")
	}
	var errs []error
	for i, e := range exps {
		if err := e.check(); err != nil {
			errs = append(errs, fmt.Errorf("experiment %d (%s): %w", i+1, e.ID, err))
		}
	}
	return exps, errors.Join(errs...)
}

func (e Experiment) check() error {
	s := e.Spec
	switch {
	case e.ID == "":
		return errors.New("no id")
	case e.TP < 1:
		return fmt.Errorf("tp %d: want 1 or more", e.TP)
	case s.SystemPrompts < 1 || s.UsersPerPrompt < 1:
		return fmt.Errorf("workload_spec: %d system prompts x %d users: want 1 or more of each", s.SystemPrompts, s.UsersPerPrompt)
	case s.SystemPromptLen < 0 || s.QuestionLen < 1 || s.OutputLen < 1:
		return fmt.Errorf("workload_spec: lengths system %d, question %d, output %d: want a question and an output", s.SystemPromptLen, s.QuestionLen, s.OutputLen)
	case len(s.Stages) == 0:
		return errors.New("workload_spec: no stages")
	}
	total := 0.0
	for i, st := range s.Stages {
		if !(st.Rate > 0 && st.Rate < 1e6) || !(st.DurationS > 0 && st.DurationS < 1e6) {
			return fmt.Errorf("workload_spec: stage %d: rate %v for %v s: want positive, finite figures", i, st.Rate, st.DurationS)
		}
		total += st.Rate * st.DurationS
	}
	if total > 1e7 {
		return fmt.Errorf("workload_spec: %.0f requests: too many to replay", total)
	}
	if _, ok := e.Actual["overall"]; !ok {
		return errors.New(`actual: no "overall" figures`)
	}
	return nil
}

// Config is the built-in engine's configuration for the experiment's
// deployment, on top of base (timing parameters, and whatever else base
// sets): model (a shipped config found by repository id), GPU, TP,
// precision, vLLM's max_num_seqs, max_num_batched_tokens, max_model_len
// and gpu_memory_utilization.
func (e Experiment) Config(base Config) (Config, error) {
	if e.Deployment != nil {
		c := *e.Deployment
		c.Timing, c.TimeScale = base.Timing, 1
		return c, nil
	}
	c := base
	m, prec, ok := lookupShipped(e.Model)
	if !ok {
		return c, fmt.Errorf("sim: experiment %s: no shipped config for model %q (give one with --model-config)", e.ID, e.Model)
	}
	c.ModelSpec = &m
	c.Model = m.Name
	c.GPU = e.Hardware
	c.TP = e.TP
	c.Precision = prec
	if e.Precision != "" {
		p, err := ParsePrecision(e.Precision)
		if err != nil {
			return c, fmt.Errorf("sim: experiment %s: %w", e.ID, err)
		}
		c.Precision = p
	}
	c.KVPrecision = ""
	if e.Engine.MaxNumSeqs > 0 {
		c.MaxBatch = e.Engine.MaxNumSeqs
	}
	if e.MaxNumBatchedTokens > 0 {
		c.TokenBudget = e.MaxNumBatchedTokens
	}
	if e.Engine.MaxModelLen > 0 {
		c.MaxModelLen = e.Engine.MaxModelLen
	}
	c.GPUMemoryUtilization = DefaultGPUMemoryUtilization
	if e.GPUMemUtil != nil {
		c.GPUMemoryUtilization = *e.GPUMemUtil
	}
	c.TimeScale = 1
	return c, nil
}

// TemplateTokens is what inference-perf's prompts carry beyond system
// prompt and question on the data set's servers (575 measured for a 447 +
// 100 token prompt).
const TemplateTokens = 28

// RequestOptions say how Requests builds an experiment's requests.
type RequestOptions struct {
	// Seed seeds the shuffle of users against system prompts.
	Seed uint64
	// FreshQuestions makes every request ask a new question (a prompt the
	// prefix cache has only the system prompt of). The default is the
	// literal reading of inference-perf's multi-turn shared_prefix preset:
	// each user asks the same question every G x U requests, so its whole
	// prompt is in the prefix cache after the first round. The data set
	// argues for the default: the measured ITL barely moves with the load
	// (Mixtral: 19.4 ms at 8 req/s, 20.7 at 20), less than a fresh
	// ~470-token prefill per request would cost, and fitted with either
	// reading, repeated questions predict better (docs/ENGINE.md).
	FreshQuestions bool
	// ClientTimeout is the load generator's total timeout per request
	// (0: none). inference-perf sets none by default, which leaves
	// aiohttp's default total timeout of 300 s (InferencePerfTimeout):
	// requests that would take longer fail and are not in the measured
	// figures, and the server aborts them, freeing their slots.
	ClientTimeout time.Duration
	// OverlapStages starts each load stage at its scheduled time, even
	// while the previous stage's requests still run. The default is
	// inference-perf's: a stage starts once the previous one's requests
	// have all ended, InferencePerfStageGap later.
	OverlapStages bool
}

// InferencePerfTimeout is the total timeout of an inference-perf request
// when its configuration sets none (request_timeout: null): aiohttp's
// default ClientTimeout(total=300).
const InferencePerfTimeout = 300 * time.Second

// ReplayOptions is how the load generator ran the stages of an experiment
// built with o.
func (o RequestOptions) ReplayOptions() ReplayOptions {
	return ReplayOptions{DrainStages: !o.OverlapStages, StageGap: InferencePerfStageGap}
}

// Requests builds the experiment's requests as inference-perf sends them in
// multi-turn mode: G x U users, each a session whose context is one system
// prompt; request i goes to the session of user i mod (G x U), the sessions
// shuffled (seeded) against the users; every prompt starts with
// TemplateTokens shared tokens, then the session's system prompt (shared
// with the group's other users through the prefix cache), then the user's
// question (a new one each request with o.FreshQuestions). Arrivals are
// constant within each stage; each request carries its stage's index, for
// ReplayWith to start a stage when the one before has drained
// (o.ReplayOptions).
func (e Experiment) Requests(o RequestOptions) []ReplayRequest {
	if e.Replay != nil {
		return e.Replay
	}
	s := e.Spec
	users := s.SystemPrompts * s.UsersPerPrompt
	rng := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	session := rng.Perm(users) // user -> its session (and so system prompt group)
	prompts := make([][]uint64, users)
	for u := range prompts {
		group := session[u] / s.UsersPerPrompt
		p := make([]uint64, 0, TemplateTokens+s.SystemPromptLen+s.QuestionLen)
		for k := range TemplateTokens {
			p = append(p, splitmix64(0xa11^uint64(k)))
		}
		for k := range s.SystemPromptLen {
			p = append(p, splitmix64(uint64(group+1)<<32|uint64(k)))
		}
		for k := range s.QuestionLen {
			p = append(p, splitmix64(uint64(u+1)<<40|1<<63|uint64(k)))
		}
		prompts[u] = p
	}
	var out []ReplayRequest
	var start time.Duration
	i := 0
	for si, st := range s.Stages {
		n := int(st.Rate*st.DurationS + 0.5)
		gap := time.Duration(float64(time.Second) / st.Rate)
		for k := range n {
			p := prompts[i%users]
			if o.FreshQuestions {
				p = slices.Clone(p)
				for k := TemplateTokens + s.SystemPromptLen; k < len(p); k++ {
					p[k] = splitmix64(p[k] ^ uint64(i+1)<<20)
				}
			}
			out = append(out, ReplayRequest{At: start + time.Duration(k)*gap, Prompt: len(p), Keys: p, Output: s.OutputLen, Timeout: o.ClientTimeout, Stage: si})
			i++
		}
		start += time.Duration(st.DurationS * float64(time.Second))
	}
	return out
}

// IsMoE tells whether the experiment's model routes to experts.
func (e Experiment) IsMoE() bool {
	if e.Deployment != nil {
		m, err := e.Deployment.model()
		return err == nil && m.Experts > 0
	}
	m, _, ok := lookupShipped(e.Model)
	return ok && m.Experts > 0
}

// ModelFamily is the model's repository name without the organisation,
// for leave-one-model-out splits.
func (e Experiment) ModelFamily() string {
	m := e.Model
	if i := strings.LastIndex(m, "/"); i >= 0 {
		m = m[i+1:]
	}
	if mm, _, ok := lookupShipped(e.Model); ok {
		return mm.Name
	}
	return m
}
