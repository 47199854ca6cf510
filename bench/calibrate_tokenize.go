package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tokenbench/tokenbench/workloads"
)

// Flavors of POST /tokenize.
const (
	// TokenizeVLLM is vLLM's and SGLang's: {"model", "prompt"} or {"model",
	// "messages", "add_generation_prompt"} answered by {"count", "tokens",
	// "max_model_len"}.
	TokenizeVLLM = "vllm"
	// TokenizeLlamaCpp is llama.cpp's: {"content", "add_special"} answered
	// by {"tokens"}, with the chat template applied by POST /apply-template.
	TokenizeLlamaCpp = "llamacpp"
)

// errNoTokenize marks an endpoint that does not offer /tokenize.
var errNoTokenize = errors.New("no /tokenize")

// tokenizeClient counts tokens with the server's own tokenizer.
type tokenizeClient struct {
	target Target
	http   *http.Client
	url    string // the /tokenize URL that answered
	root   string // server root, for /apply-template
	flavor string
	maxLen int
}

// serverRoot strips the OpenAI /v1 suffix: vLLM, SGLang and llama.cpp serve
// /tokenize at the root.
func serverRoot(base string) string {
	base = strings.TrimRight(base, "/")
	return strings.TrimSuffix(base, "/v1")
}

// detect finds the /tokenize endpoint and its flavor by counting a short
// text: at the server root first, then under the base URL. errNoTokenize
// says there is none (404, 405, 501, or no answer we can read).
func (tc *tokenizeClient) detect(ctx context.Context) error {
	const probe = "Hello world"
	var reasons []string
	for _, url := range tokenizeURLs(tc.target.BaseURL) {
		var v vllmTokenizeResponse
		status, err := tc.post(ctx, url, map[string]any{"model": tc.target.Model, "prompt": probe, "add_special_tokens": false}, &v)
		if err != nil {
			return err
		}
		if status/100 == 2 && v.tokens() > 0 {
			tc.url, tc.flavor, tc.maxLen = url, TokenizeVLLM, v.MaxModelLen
			return nil
		}
		if status == http.StatusNotFound || status == http.StatusMethodNotAllowed || status == http.StatusNotImplemented {
			reasons = append(reasons, fmt.Sprintf("%s: HTTP %d", url, status))
			continue
		}
		if status == http.StatusUnauthorized || status == http.StatusForbidden {
			// Not "no /tokenize": the endpoint is there and refused us.
			return fmt.Errorf("bench: %s refused the credentials (HTTP %d): check --api-key or $OPENAI_API_KEY", RedactURL(url), status)
		}
		// llama.cpp ignores fields it does not know and answers no tokens.
		var l vllmTokenizeResponse
		lstatus, err := tc.post(ctx, url, map[string]any{"content": probe, "add_special": false}, &l)
		if err != nil {
			return err
		}
		if lstatus/100 == 2 && len(l.Tokens) > 0 {
			tc.url, tc.flavor = url, TokenizeLlamaCpp
			return nil
		}
		reasons = append(reasons, fmt.Sprintf("%s: HTTP %d", url, status))
	}
	return fmt.Errorf("%w (%s)", errNoTokenize, strings.Join(reasons, "; "))
}

func tokenizeURLs(base string) []string {
	root := serverRoot(base) + "/tokenize"
	if b := strings.TrimRight(base, "/") + "/tokenize"; b != root {
		return []string{root, b}
	}
	return []string{root}
}

type vllmTokenizeResponse struct {
	Count       int   `json:"count"`
	Tokens      []int `json:"tokens"`
	MaxModelLen int   `json:"max_model_len"`
}

// countText counts text alone, without special tokens.
func (tc *tokenizeClient) countText(ctx context.Context, text string) (int, error) {
	if tc.flavor == TokenizeLlamaCpp {
		return tc.count(ctx, map[string]any{"content": text, "add_special": false, "parse_special": false})
	}
	return tc.count(ctx, map[string]any{"model": tc.target.Model, "prompt": text, "add_special_tokens": false})
}

// countRequest counts req as the server will see it: for chat, the
// messages through the chat template with the generation prompt; for
// completions, the prompt with the special tokens the server adds.
func (tc *tokenizeClient) countRequest(ctx context.Context, req workloads.Request) (int, error) {
	chat := tc.target.API != APICompletions
	if !chat {
		text := CompletionPrompt(req)
		if tc.flavor == TokenizeLlamaCpp {
			return tc.count(ctx, map[string]any{"content": text, "add_special": true, "parse_special": true})
		}
		return tc.count(ctx, map[string]any{"model": tc.target.Model, "prompt": text})
	}
	msgs := req.Messages
	if len(msgs) == 0 {
		msgs = []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: req.Prompt}}
	}
	body := map[string]any{"messages": msgs}
	if len(req.Tools) > 0 {
		body["tools"] = req.Tools
	}
	if tc.flavor == TokenizeLlamaCpp {
		var t struct {
			Prompt *string `json:"prompt"`
		}
		status, err := tc.post(ctx, tc.root+"/apply-template", body, &t)
		if err != nil {
			return 0, err
		}
		if status/100 != 2 || t.Prompt == nil {
			return 0, fmt.Errorf("%w: POST %s/apply-template: HTTP %d", errNoTemplate, tc.root, status)
		}
		return tc.count(ctx, map[string]any{"content": *t.Prompt, "add_special": true, "parse_special": true})
	}
	body["model"] = tc.target.Model
	body["add_generation_prompt"] = true
	n, err := tc.count(ctx, body)
	var se *tokenizeStatusError
	if errors.As(err, &se) && se.status/100 == 4 {
		// A server whose /tokenize takes no messages (some SGLang versions).
		return 0, fmt.Errorf("%w: %v", errNoTemplate, err)
	}
	return n, err
}

// errNoTemplate marks a server that cannot count a chat request: llama.cpp
// without /apply-template, or a /tokenize that takes no messages.
var errNoTemplate = errors.New("no chat template endpoint")

func (tc *tokenizeClient) count(ctx context.Context, body map[string]any) (int, error) {
	var v vllmTokenizeResponse
	status, err := tc.post(ctx, tc.url, body, &v)
	if err != nil {
		return 0, err
	}
	if status/100 != 2 {
		return 0, &tokenizeStatusError{url: tc.url, status: status}
	}
	return v.tokens(), nil
}

// tokenizeStatusError is a /tokenize answer with a non-2xx status.
type tokenizeStatusError struct {
	url    string
	status int
}

func (e *tokenizeStatusError) Error() string {
	return fmt.Sprintf("bench: POST %s: HTTP %d", e.url, e.status)
}

// tokens is the count a /tokenize answer gives: "count" where the server
// sends it (vLLM, SGLang), else the length of "tokens" (llama.cpp).
func (v vllmTokenizeResponse) tokens() int {
	if v.Count > 0 {
		return v.Count
	}
	return len(v.Tokens)
}

// parseTokenizeResponse reads the body of a /tokenize answer.
func parseTokenizeResponse(raw []byte) (vllmTokenizeResponse, error) {
	var v vllmTokenizeResponse
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("bench: /tokenize answer: %w", err)
	}
	if v.Count < 0 || v.MaxModelLen < 0 {
		return v, fmt.Errorf("bench: /tokenize answer: negative count or max_model_len")
	}
	return v, nil
}

// post sends body as JSON and decodes a 2xx answer into out. The error is
// for transport and decoding failures; a non-2xx status is returned as is.
func (tc *tokenizeClient) post(ctx context.Context, url string, body any, out any) (int, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, fmt.Errorf("bench: tokenize body: %w", err)
	}
	timeout := tc.target.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := sendRetrying(ctx, tc.http, func(ctx context.Context) (*http.Request, error) {
		hr, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		hr.Header.Set("Content-Type", "application/json")
		tc.target.authorize(hr.Header)
		return hr, nil
	})
	if err != nil {
		return 0, fmt.Errorf("bench: POST %s: %w", url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return 0, fmt.Errorf("bench: POST %s: %w", url, err)
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, nil
	}
	if v, ok := out.(*vllmTokenizeResponse); ok {
		parsed, err := parseTokenizeResponse(raw)
		if err != nil {
			return http.StatusNotFound, nil // not a /tokenize we can read
		}
		*v = parsed
		return resp.StatusCode, nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		// A 2xx that is not our JSON is some other service's page: treat
		// it like a missing endpoint.
		return http.StatusNotFound, nil
	}
	return resp.StatusCode, nil
}
