package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tokenbench/tokenbench/workloads"
)

// APIs a Target can speak.
const (
	APIChat        = "chat"
	APICompletions = "completions"
)

// Target is the endpoint under test.
type Target struct {
	// BaseURL is an OpenAI base URL such as http://127.0.0.1:8000/v1.
	BaseURL string
	Model   string
	// API is APIChat (/chat/completions) or APICompletions (/completions).
	API string
	// APIKey is sent as a bearer token. It is never written anywhere.
	APIKey  string
	Headers http.Header
	// Timeout bounds one request from t_start to t_done; 0 means none.
	Timeout time.Duration
	// Extra body fields added to every request (engine extensions).
	Extra map[string]any
	// Logprobs asks for the sampled tokens' log-probabilities, which list
	// every token of an event, so tokens per event are exact.
	Logprobs bool
	// MaxCompletionTokens sends the chat output cap as
	// max_completion_tokens instead of max_tokens (OpenAI's newer name,
	// which some servers require).
	MaxCompletionTokens bool
	// Omit lists the length-forcing extensions (ignore_eos, min_tokens) the
	// server refuses; AdaptTarget finds them.
	Omit []string
}

// Client sends one request and measures it. It knows nothing of scheduling.
type Client struct {
	target Target
	url    string
	http   *http.Client
	now    func() time.Time
	budget *BufferBudget
}

// ClientOption configures a Client.
type ClientOption func(*Client)

// WithHTTPClient replaces the HTTP client (tests use a scripted transport).
func WithHTTPClient(hc *http.Client) ClientOption { return func(c *Client) { c.http = hc } }

// WithClock replaces time.Now, the monotonic clock of every timestamp.
func WithClock(now func() time.Time) ClientOption { return func(c *Client) { c.now = now } }

// WithBufferBudget bounds the bytes buffered by all streams sharing b (the
// run's --max-buffer); nil means no bound.
func WithBufferBudget(b *BufferBudget) ClientOption { return func(c *Client) { c.budget = b } }

// NewClient returns a Client for t.
func NewClient(t Target, opts ...ClientOption) (*Client, error) {
	path, err := apiPath(t.API)
	if err != nil {
		return nil, err
	}
	if t.BaseURL == "" {
		return nil, fmt.Errorf("bench: target has no base URL")
	}
	c := &Client{target: t, url: t.endpoint(path), now: time.Now, http: NewHTTPClient()}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

func apiPath(api string) (string, error) {
	switch api {
	case APIChat, "":
		return "/chat/completions", nil
	case APICompletions:
		return "/completions", nil
	}
	return "", fmt.Errorf("bench: unknown API %q (want chat or completions)", api)
}

// maxRedirects is how many redirects a request follows before it is
// recorded as a redirect loop.
const maxRedirects = 10

// errRedirectLoop marks a request that was still redirected after
// maxRedirects hops.
var errRedirectLoop = errors.New("redirect loop")

// NewHTTPClient returns the HTTP client tokenbench drives streams with: no
// client-wide timeout (each request has its own), keep-alive connections
// enough for thousands of concurrent streams, no transparent gzip, which
// would hold back bytes of a stream until a compressed block fills, and
// redirects followed up to maxRedirects, then failed as a redirect loop.
func NewHTTPClient() *http.Client {
	return &http.Client{CheckRedirect: checkRedirect, Transport: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: 100000,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		TLSHandshakeTimeout: 10 * time.Second,
	}}
}

func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("%w: still redirected after %d hops, last to %s", errRedirectLoop, len(via), req.URL.Redacted())
	}
	return nil
}

// freshClient returns the client to send retry hr with, so that it opens
// a new connection: hc's transport cloned without keep-alive. A transport
// that is not an *http.Transport cannot be told to dial, so hc itself is
// returned, and hr asks for the connection to be closed after it.
func freshClient(hc *http.Client, hr *http.Request) *http.Client {
	tr := hc.Transport
	if tr == nil {
		tr = http.DefaultTransport
	}
	t, ok := tr.(*http.Transport)
	if !ok {
		hr.Close = true
		return hc
	}
	t = t.Clone()
	t.DisableKeepAlives = true
	fc := *hc
	fc.Transport = t
	return &fc
}

// redacted replaces a secret echoed in an error message.
const redacted = "[redacted]"

// redact removes from s the API key and the values of the target's and the
// request's headers, which servers sometimes echo in error bodies, before
// s is stored in a record. Values under 4 bytes are left: too short to be
// secrets, and replacing them would mangle the message.
func (c *Client) redact(s string) string {
	secrets := make([]string, 0, 1+len(c.target.Headers))
	if c.target.APIKey != "" {
		secrets = append(secrets, c.target.APIKey)
	}
	for _, vs := range c.target.Headers {
		secrets = append(secrets, vs...)
	}
	for _, v := range secrets {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, redacted)
		}
	}
	return s
}

// clip redacts s, then shortens it to n bytes: in this order, so that a cut
// never leaves part of a secret.
func (c *Client) clip(s string, n int) string { return truncate(c.redact(s), n) }

// body renders req as a streaming request body for the target's API.
func (c *Client) body(req workloads.Request) ([]byte, error) {
	var v any
	if c.target.API == APICompletions {
		v = openai.CompletionRequest{
			Model: c.target.Model, Prompt: CompletionPrompt(req), MaxTokens: req.MaxTokens,
			Stream: true, StreamOptions: &openai.StreamOptions{IncludeUsage: true},
		}
	} else {
		msgs := req.Messages
		if len(msgs) == 0 {
			msgs = []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: req.Prompt}}
		}
		cr := openai.ChatCompletionRequest{
			Model: c.target.Model, Messages: msgs, MaxTokens: req.MaxTokens, Tools: req.Tools,
			Stream: true, StreamOptions: &openai.StreamOptions{IncludeUsage: true},
		}
		if c.target.MaxCompletionTokens {
			cr.MaxTokens, cr.MaxCompletionTokens = 0, req.MaxTokens
		}
		v = cr
	}
	var b []byte
	var err error
	if cr, ok := v.(openai.ChatCompletionRequest); ok {
		b, err = marshalChat(cr)
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		return nil, err
	}
	extra := extraFields(c.target, req)
	if len(extra) == 0 {
		return b, nil
	}
	return mergeFields(b, extra)
}

// extraFields are the body fields merged over the request's own: the
// length-forcing extensions and logprobs (less what t omits), then t's
// and req's extras.
func extraFields(t Target, req workloads.Request) map[string]any {
	extra := map[string]any{}
	if req.ForceLength && req.MaxTokens > 0 {
		// vLLM, SGLang, TensorRT-LLM and llama.cpp take ignore_eos; vLLM,
		// SGLang and TensorRT-LLM also take min_tokens.
		extra["ignore_eos"] = true
		extra["min_tokens"] = req.MaxTokens
	}
	if t.Logprobs {
		if t.API == APICompletions {
			extra["logprobs"] = 1 // the completions API takes a count
		} else {
			extra["logprobs"] = true
		}
	}
	for _, k := range t.Omit {
		delete(extra, k)
	}
	for k, x := range t.Extra {
		extra[k] = x
	}
	for k, x := range req.Extra {
		extra[k] = x
	}
	return extra
}

// CompletionPrompt is the prompt a Client sends to the completions API for
// req: its Prompt, or its messages' contents joined by newlines.
func CompletionPrompt(req workloads.Request) string {
	if req.Prompt != "" || len(req.Messages) == 0 {
		return req.Prompt
	}
	var sb strings.Builder
	for i, m := range req.Messages {
		if i > 0 {
			sb.WriteString("\n")
		}
		sb.WriteString(m.Content)
	}
	return sb.String()
}

// endpoint is the URL of path (such as "/models") under t's base URL.
func (t Target) endpoint(path string) string { return strings.TrimRight(t.BaseURL, "/") + path }

// authorize sets t's bearer token and headers on h: every request to the
// target carries them (streams, /models, /tokenize).
func (t Target) authorize(h http.Header) {
	if t.APIKey != "" {
		h.Set("Authorization", "Bearer "+t.APIKey)
	}
	for k, vs := range t.Headers {
		h[k] = append([]string(nil), vs...)
	}
}

// newRequest builds the HTTP request with auth and user headers; b is the
// body Prepare encoded, or nil to encode req's now.
func (c *Client) newRequest(ctx context.Context, req workloads.Request, b []byte) (*http.Request, error) {
	if b == nil {
		var err error
		if b, err = c.body(req); err != nil {
			return nil, fmt.Errorf("bench: build request body: %w", err)
		}
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "text/event-stream")
	c.target.authorize(hr.Header)
	if s := SessionOf(ctx); s != "" {
		hr.Header.Set(SessionHeader, s)
	}
	for k, v := range req.Headers {
		hr.Header.Set(k, v)
	}
	return hr, nil
}

// Prepared is a request built ahead of its send time: its body is encoded
// for the target, so that sending it only writes bytes.
type Prepared struct {
	Request workloads.Request
	body    []byte
}

// Size is the encoded body's length in bytes.
func (p Prepared) Size() int { return len(p.body) }

// Prepare encodes req's body for the target now; DoPrepared then sends it.
func (c *Client) Prepare(req workloads.Request) (Prepared, error) {
	b, err := c.body(req)
	if err != nil {
		return Prepared{}, fmt.Errorf("bench: build request body: %w", err)
	}
	return Prepared{Request: req, body: b}, nil
}

// DoPrepared is Do with the body Prepare encoded: the same measurement,
// with no encoding between t_sched and t_start.
func (c *Client) DoPrepared(ctx context.Context, p Prepared, epoch, sched time.Time) (Record, workloads.Reply) {
	return c.do(ctx, p.Request, p.body, epoch, sched)
}
