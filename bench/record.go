package bench

import (
	"encoding/json"
	"time"
)

// Error classes of METRICS.md. A record with OK false carries exactly one.
const (
	ErrConnect         = "connect"
	ErrTimeout         = "timeout"
	ErrHTTP4xx         = "http_4xx"
	ErrHTTP429         = "http_429"
	ErrHTTP5xx         = "http_5xx"
	ErrStreamReset     = "stream_reset"
	ErrStreamTruncated = "stream_truncated"
	ErrBadEvent        = "bad_event"
	ErrCanceled        = "canceled"
	// ErrClientLimit marks a request stopped by the client's own limit (the
	// run's budget of buffered event bytes), not by anything the server did.
	ErrClientLimit = "client_limit"
)

// Token count sources for Record.TokensSource.
const (
	TokensFromUsage    = "usage"
	TokensFromEstimate = "estimate"
)

// Record is the per-request record of METRICS.md: the one contract between
// bench and every later stage. Times are milliseconds as float64 with
// nanosecond resolution; offsets named t_*_ms are from the run's start, all
// other *_ms are durations. Pointer fields are null when undefined (a failed
// request has no TTFT; TPOT needs two output tokens; cached tokens are
// reported by some servers only), never a made-up zero.
type Record struct {
	RequestID  string `json:"request_id"`
	ResponseID string `json:"response_id,omitempty"`
	Session    string `json:"session,omitempty"`
	Turn       int    `json:"turn,omitempty"`
	OK         bool   `json:"ok"`
	ErrorClass string `json:"error_class,omitempty"`
	Error      string `json:"error,omitempty"`
	Status     int    `json:"status"`
	Warmup     bool   `json:"warmup"`
	// Retried is true when the first attempt provably never reached the
	// server (a reused pooled connection that failed before any response
	// byte) and the request was sent again on a fresh connection. The
	// record's times are those of the second attempt.
	Retried bool `json:"retried,omitempty"`

	TSchedMS float64 `json:"t_sched_ms"`
	TStartMS float64 `json:"t_start_ms"`
	// TTFTMS is t_first - t_start.
	TTFTMS *float64 `json:"ttft_ms"`
	// E2EMS is t_done - t_start; for a failed request, until the failure.
	E2EMS float64 `json:"e2e_ms"`
	// TPOTMS is (E2E - TTFT) / (output_tokens - 1), for output_tokens >= 2.
	TPOTMS *float64 `json:"tpot_ms"`
	// EventsMS are arrival offsets of token-bearing events from t_start.
	EventsMS []float64 `json:"events_ms"`
	// EventTokens are the tokens each token-bearing event carried, in the
	// order of EventsMS, when every event listed them (requests sent with
	// logprobs); absent otherwise.
	EventTokens []int `json:"event_tokens,omitempty"`
	// DoneMarker is true when the stream ended with data: [DONE]; false means
	// t_done is the end of the body (or the failure).
	DoneMarker bool `json:"done_marker"`

	InputTokens       int    `json:"input_tokens"`
	OutputTokens      int    `json:"output_tokens"`
	ReasoningTokens   *int   `json:"reasoning_tokens,omitempty"`
	CachedTokens      *int   `json:"cached_tokens"`
	TokensSource      string `json:"tokens_source"`
	TargetInputTokens int    `json:"target_input_tokens,omitempty"`
	MaxTokens         int    `json:"max_tokens,omitempty"`
	FinishReason      string `json:"finish_reason,omitempty"`
	// UsageSuspect says why the server's usage was not believed (negative,
	// above max_tokens, more tokens than the stream could carry); the
	// server's numbers are then kept in UsageInputTokens and
	// UsageOutputTokens, and InputTokens and OutputTokens are estimated as
	// when the server sends no usage (tokens_source "estimate").
	UsageSuspect      string `json:"usage_suspect,omitempty"`
	UsageInputTokens  *int   `json:"usage_input_tokens,omitempty"`
	UsageOutputTokens *int   `json:"usage_output_tokens,omitempty"`

	// Endpoint names the target that served the request when a router
	// chose among several (--url repeated, --replicas): the target's name
	// (a redacted URL, or a built-in replica's name). Empty with one target.
	Endpoint string `json:"endpoint,omitempty"`
	// Route is what the router knew when it chose Endpoint.
	Route *RouteInfo `json:"route,omitempty"`

	// HTTP holds the httptrace points of the request.
	HTTP *HTTPTrace `json:"http,omitempty"`
	// Engine keeps fields beyond the OpenAI schema from the final events, as
	// the server sent them: llama.cpp "timings", SGLang "meta_info".
	Engine map[string]json.RawMessage `json:"engine,omitempty"`
}

// HTTPTrace is the network set-up of one request, offsets from t_start in ms.
// A field is null when that point did not happen.
type HTTPTrace struct {
	ConnReused     bool     `json:"conn_reused"`
	ConnMS         *float64 `json:"conn_ms"`
	WroteRequestMS *float64 `json:"wrote_request_ms"`
	FirstByteMS    *float64 `json:"first_byte_ms"`
}

// Ms converts a duration to float64 milliseconds, the unit of every *_ms field.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func msPtr(d time.Duration) *float64 { v := Ms(d); return &v }

// ITLs returns the inter-event latencies of the record in ms:
// events_ms[i] - events_ms[i-1] for i >= 1.
func (r *Record) ITLs() []float64 {
	if len(r.EventsMS) < 2 {
		return nil
	}
	out := make([]float64, len(r.EventsMS)-1)
	for i := 1; i < len(r.EventsMS); i++ {
		out[i-1] = r.EventsMS[i] - r.EventsMS[i-1]
	}
	return out
}

// TDoneMS is the offset of t_done from the run's start.
func (r *Record) TDoneMS() float64 { return r.TStartMS + r.E2EMS }
