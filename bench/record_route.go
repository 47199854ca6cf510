package bench

import "context"

// RouteInfo is what a router knew when it sent a request to its endpoint
// (package bench/route).
type RouteInfo struct {
	// Policy is the routing policy (round-robin, prefix-aware, ...).
	Policy string `json:"policy"`
	// OverlapTokens is the prompt prefix the router had sent to this
	// endpoint before (whole blocks, in tokens as workloads.ApproxTokens
	// counts them): the prefix reuse it expected. PromptTokens is the
	// prompt's length counted the same way.
	OverlapTokens int `json:"overlap_tokens"`
	PromptTokens  int `json:"prompt_tokens"`
	// Outstanding is the requests the router had in flight on the
	// endpoint before this one.
	Outstanding int `json:"outstanding"`
	// KVUsage, Running and Waiting are the endpoint's engine gauges the
	// router read (KV-cache usage 0..1, requests running and waiting), when
	// it read any.
	KVUsage *float64 `json:"kv_usage,omitempty"`
	Running *int     `json:"running,omitempty"`
	Waiting *int     `json:"waiting,omitempty"`
	// PrefillEndpoint, KVTransferMS and KVTransferBytes describe a
	// disaggregated request: the prefill engine, and the move of its KV
	// cache to the decode engine (Endpoint), included in TTFT.
	PrefillEndpoint string   `json:"prefill_endpoint,omitempty"`
	KVTransferMS    *float64 `json:"kv_transfer_ms,omitempty"`
	KVTransferBytes int64    `json:"kv_transfer_bytes,omitempty"`
}

type sessionKey struct{}

// SessionHeader carries a request's session key to the server, so that a
// gateway or tokenbench's own cluster (sim --replicas --route session) can
// keep a session on one replica; EndpointHeader, in a response, names the
// replica that served it, and the record keeps it as endpoint.
const (
	SessionHeader  = "X-Session-Id"
	EndpointHeader = "X-Tokenbench-Endpoint"
)

// WithSession returns ctx carrying the session key of the request sent
// with it, for a Doer that routes by session.
func WithSession(ctx context.Context, session string) context.Context {
	if session == "" {
		return ctx
	}
	return context.WithValue(ctx, sessionKey{}, session)
}

// SessionOf is the session key ctx carries ("" for none).
func SessionOf(ctx context.Context) string {
	s, _ := ctx.Value(sessionKey{}).(string)
	return s
}

// RoutingInfo is run.json's account of a routed run: the policy, the
// endpoints' names as records carry them, and, for the built-in engine,
// the replicas and the GPUs they stand for (replicas x tensor-parallel
// size).
type RoutingInfo struct {
	Policy    string   `json:"policy"`
	Endpoints []string `json:"endpoints"`
	Replicas  int      `json:"replicas,omitempty"`
	GPUs      int      `json:"gpus,omitempty"`
	// Disagg is set for disaggregated prefill/decode (--disagg).
	Disagg *DisaggInfo `json:"disagg,omitempty"`
}

// DisaggInfo is run.json's account of disaggregated prefill/decode on the
// built-in engine: the pools, the KV link, and how long each pool's
// engines ran steps over the run's simulated time (ElapsedS, warm-up
// included).
type DisaggInfo struct {
	Prefill      int     `json:"prefill"`
	Decode       int     `json:"decode"`
	TP           int     `json:"tp"`
	Link         string  `json:"link"`
	LinkGBs      float64 `json:"link_gb_per_s"`
	PrefillBusyS float64 `json:"prefill_busy_s"`
	DecodeBusyS  float64 `json:"decode_busy_s"`
	ElapsedS     float64 `json:"elapsed_s"`
}
