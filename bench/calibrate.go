package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/tokenbench/tokenbench/workloads"
)

// Calibration is how the server under test counts prompts, measured with its
// own tokenizer (POST /tokenize) against the local one. A workload builds a
// prompt of N local tokens; the server reports usage.prompt_tokens after its
// chat template and special tokens, and with its own vocabulary. With the
// overhead and ratio measured here, Adjust resizes a prompt so that the
// server counts the target; Fit does it exactly, asking the server.
type Calibration struct {
	// Available is false when the endpoint offers no /tokenize (or it could
	// not be read): the run then reports target against actual prompt
	// tokens, uncorrected. Reason says why.
	Available bool   `json:"available"`
	Reason    string `json:"reason,omitempty"`
	// Endpoint is the /tokenize URL used and Flavor its dialect
	// (TokenizeVLLM or TokenizeLlamaCpp).
	Endpoint string `json:"endpoint,omitempty"`
	Flavor   string `json:"flavor,omitempty"`
	// API is the API the prompts are sent through (chat or completions).
	API string `json:"api"`
	// Tokenizer names the local tokenizer.
	Tokenizer string `json:"tokenizer"`
	// OverheadTokens is what the server adds to a prompt's own tokens in the
	// request as sent: the chat template (role headers, generation prompt)
	// and special tokens such as BOS. The median over samples; Min and Max
	// show whether it varies.
	OverheadTokens    int `json:"overhead_tokens"`
	OverheadMinTokens int `json:"overhead_min_tokens"`
	OverheadMaxTokens int `json:"overhead_max_tokens"`
	// Ratio is server tokens per local token over the samples' text (1 when
	// the local tokenizer is the server's).
	Ratio float64 `json:"ratio"`
	// MaxModelLen is the server's context length when it reports one.
	MaxModelLen int `json:"max_model_len,omitempty"`
	// Samples are the measurements.
	Samples []CalibrationSample `json:"samples"`
	// Checked counts sample requests with a target that were resized by
	// Adjust and counted again by the server; WithinOne of them landed
	// within +-1 token of the target, and MaxErrorTokens is the worst miss.
	Checked        int `json:"checked"`
	WithinOne      int `json:"within_one"`
	MaxErrorTokens int `json:"max_error_tokens"`
	// Notes are facts a user should know (a template that could not be
	// applied, a tokenizer that differs from the server's).
	Notes []string `json:"notes,omitempty"`

	tok workloads.Tokenizer
	tc  *tokenizeClient
}

// CalibrationSample is one sample request counted both ways.
type CalibrationSample struct {
	// LocalTokens counts the prompt text with the local tokenizer.
	LocalTokens int `json:"local_tokens"`
	// ServerTextTokens counts the same text with the server's tokenizer,
	// without special tokens.
	ServerTextTokens int `json:"server_text_tokens"`
	// ServerRequestTokens counts the request as it will be sent: what
	// usage.prompt_tokens will say.
	ServerRequestTokens int `json:"server_request_tokens"`
}

// DefaultCalibrationLengths are the prompt lengths (local tokens) of the
// samples Calibrate builds when given none.
var DefaultCalibrationLengths = []int{64, 256, 1024}

// Calibrate measures how the target counts the sample requests (built from
// the corpus when samples is empty) against tok (nil: approx). When the
// endpoint has no /tokenize it returns a Calibration with Available false
// and no error; an error means the endpoint could not be reached or
// answered /tokenize inconsistently. opts configure the HTTP client as for
// NewClient.
func Calibrate(ctx context.Context, target Target, tok workloads.Tokenizer, samples []workloads.Request, opts ...ClientOption) (Calibration, error) {
	if tok == nil {
		tok = workloads.Approx()
	}
	cal := Calibration{API: target.API, Tokenizer: tok.Name(), Ratio: 1, tok: tok}
	if cal.API == "" {
		cal.API = APIChat
	}
	client, err := NewClient(target, opts...)
	if err != nil {
		return cal, err
	}
	tc := &tokenizeClient{target: target, http: client.http, root: serverRoot(target.BaseURL)}
	if err := tc.detect(ctx); err != nil {
		if errors.Is(err, errNoTokenize) {
			cal.Reason = "endpoint has no /tokenize: " + strings.TrimPrefix(err.Error(), errNoTokenize.Error()+" ")
			return cal, nil
		}
		return cal, fmt.Errorf("bench: calibrate: %w", err)
	}
	cal.Endpoint, cal.Flavor, cal.MaxModelLen, cal.tc = tc.url, tc.flavor, tc.maxLen, tc
	if len(samples) == 0 {
		samples = defaultSamples(tok)
	}
	var overheads []int
	localSum, serverSum := 0, 0
	for i, req := range samples {
		text := promptText(req)
		if strings.TrimSpace(text) == "" {
			continue
		}
		st, err := tc.countText(ctx, text)
		if err != nil {
			return cal, fmt.Errorf("bench: calibrate: sample %d: %w", i, err)
		}
		sr, err := tc.countRequest(ctx, req)
		if errors.Is(err, errNoTemplate) {
			cal.Reason = err.Error()
			cal.Notes = append(cal.Notes, "the chat template could not be applied through the server: target vs actual only")
			return cal, nil
		}
		if err != nil {
			return cal, fmt.Errorf("bench: calibrate: sample %d: %w", i, err)
		}
		s := CalibrationSample{LocalTokens: tok.Count(text), ServerTextTokens: st, ServerRequestTokens: sr}
		cal.Samples = append(cal.Samples, s)
		overheads = append(overheads, sr-st)
		localSum += s.LocalTokens
		serverSum += st
	}
	if len(cal.Samples) == 0 {
		cal.Reason = "no sample request has prompt text to count"
		return cal, nil
	}
	sort.Ints(overheads)
	cal.OverheadTokens = overheads[len(overheads)/2]
	cal.OverheadMinTokens, cal.OverheadMaxTokens = overheads[0], overheads[len(overheads)-1]
	if localSum > 0 {
		cal.Ratio = float64(serverSum) / float64(localSum)
	}
	cal.Available = true
	if err := cal.check(ctx, samples); err != nil {
		return cal, err
	}
	if cal.Ratio != 1 {
		cal.Notes = append(cal.Notes, fmt.Sprintf(
			"the local tokenizer %s differs from the server's (%.3f server tokens per local token): Adjust is approximate, Fit is exact", tok.Name(), cal.Ratio))
	}
	return cal, nil
}

// check resizes the sample requests that carry a target with Adjust and has
// the server count them again.
func (c *Calibration) check(ctx context.Context, samples []workloads.Request) error {
	for i, req := range samples {
		adj, ok := c.Adjust(req)
		if !ok {
			continue
		}
		got, err := c.tc.countRequest(ctx, adj)
		if err != nil {
			return fmt.Errorf("bench: calibrate: check sample %d: %w", i, err)
		}
		e := absInt(got - req.InputTokens)
		c.Checked++
		if e <= 1 {
			c.WithinOne++
		}
		c.MaxErrorTokens = max(c.MaxErrorTokens, e)
	}
	return nil
}

// defaultSamples are corpus prompts of DefaultCalibrationLengths tokens,
// each its own target.
func defaultSamples(tok workloads.Tokenizer) []workloads.Request {
	out := make([]workloads.Request, len(DefaultCalibrationLengths))
	for i, n := range DefaultCalibrationLengths {
		out[i] = workloads.Request{Prompt: workloads.TextOfTokens(tok, uint64(i+1), n), InputTokens: n}
	}
	return out
}

// promptText is the text a request's prompt tokens come from.
func promptText(req workloads.Request) string {
	if len(req.Messages) == 0 {
		return req.Prompt
	}
	return CompletionPrompt(req)
}

// localBudget is the local token count whose text the server should count
// as target tokens in the request as sent.
func (c *Calibration) localBudget(target int) int {
	ratio := c.Ratio
	if ratio <= 0 || math.IsNaN(ratio) || math.IsInf(ratio, 0) {
		ratio = 1
	}
	return max(1, int(math.Round(float64(target-c.OverheadTokens)/ratio)))
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
