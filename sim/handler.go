package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"strings"
)

// maxBodyBytes bounds a request body; a full 128k-token prompt is under 1 MiB.
const maxBodyBytes = 32 << 20

// ServeHTTP serves the OpenAI API as vLLM does: GET /v1/models and
// /v1/models/{id}, POST /v1/chat/completions and /v1/completions
// (streaming or not), POST /tokenize and /detokenize, GET /metrics
// (Prometheus text, vLLM metric names) and GET /health. With API keys
// configured, the /v1 routes answer 401 to a request without one of them
// as a bearer token, as vLLM's --api-key does.
func (e *Engine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !e.authorized(r) {
		w.Header().Set("WWW-Authenticate", "Bearer")
		writeError(w, &apiError{status: http.StatusUnauthorized, typ: "AuthenticationError",
			msg: "Unauthorized: a valid API key is required (Authorization: Bearer KEY)"})
		return
	}
	e.mux.ServeHTTP(w, r)
}

func (e *Engine) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/v1/models", only(http.MethodGet, http.HandlerFunc(e.handleModels)))
	mux.Handle("/v1/models/", only(http.MethodGet, http.HandlerFunc(e.handleModel)))
	mux.Handle("/tokenize", only(http.MethodPost, http.HandlerFunc(e.handleTokenize)))
	mux.Handle("/detokenize", only(http.MethodPost, http.HandlerFunc(e.handleDetokenize)))
	mux.Handle("/v1/chat/completions", only(http.MethodPost, e.handleGenerate(chatAPI)))
	mux.Handle("/v1/completions", only(http.MethodPost, e.handleGenerate(completionsAPI)))
	mux.Handle("/metrics", only(http.MethodGet, e.metricsHandler()))
	mux.Handle("/health", only(http.MethodGet, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	})))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, notFound("no route for %s", r.URL.Path))
	})
	return mux
}

// only answers 405 with OpenAI error JSON to any method but method.
func only(method string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method {
			w.Header().Set("Allow", method)
			writeError(w, &apiError{status: http.StatusMethodNotAllowed, typ: "MethodNotAllowedError",
				msg: fmt.Sprintf("method %s not allowed on %s; use %s", r.Method, r.URL.Path, method)})
			return
		}
		h.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) // the client hears of a failure by a short body
}

// modelCard is a model as GET /v1/models lists it.
type modelCard struct {
	ID          string `json:"id"`
	Object      string `json:"object"`
	Created     int64  `json:"created"`
	OwnedBy     string `json:"owned_by"`
	Root        string `json:"root"`
	MaxModelLen int    `json:"max_model_len"`
}

func (e *Engine) card() modelCard {
	return modelCard{ID: e.served, Object: "model", Created: e.created.Unix(), OwnedBy: "tokenbench",
		Root: e.dep.Model.Source, MaxModelLen: e.cfg.MaxModelLen}
}

func (e *Engine) handleModels(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []modelCard{e.card()}})
}

// handleModel serves GET /v1/models/{id}; the id may hold slashes
// (org/name).
func (e *Engine) handleModel(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/v1/models/")
	if id != e.served {
		writeError(w, e.unknownModel(id))
		return
	}
	writeJSON(w, http.StatusOK, e.card())
}

// unknownModel is vLLM's answer to a request naming another model.
func (e *Engine) unknownModel(id string) *apiError {
	err := notFound("The model `%s` does not exist.", id)
	err.param = "model"
	return err
}

// handleGenerate serves one completion of API a: it checks the request,
// plans the answer of each choice, queues them in the scheduler and writes
// the tokens as the scheduler produces them.
func (e *Engine) handleGenerate(a api) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		if err != nil {
			writeError(w, badRequest("reading the body: %v", err))
			return
		}
		req, err := decodeRequest(a, body)
		if err != nil {
			writeError(w, err)
			return
		}
		if req.model != "" && req.model != e.served {
			writeError(w, e.unknownModel(req.model))
			return
		}
		choices, err := e.planChoices(req, body)
		if err != nil {
			writeError(w, err)
			return
		}
		fd := e.cfg.Faults.draw(e.cfg.Seed, e.requests.Add(1))
		switch fd.kind {
		case faultHTTP500:
			writeError(w, &apiError{status: http.StatusInternalServerError, typ: "InternalServerError", msg: "injected fault: http_500"})
			return
		case faultHTTP429:
			w.Header().Set("Retry-After", "1")
			writeError(w, &apiError{status: http.StatusTooManyRequests, typ: "RateLimitError", msg: "injected fault: http_429"})
			return
		}
		resp := e.newResponse(req, choices)
		for i, c := range choices {
			ans := c.ans
			c.st, err = e.submit(seqRequest{prompt: c.prompt, tokens: req.prompts[c.index/req.n], output: ans.tokens,
				reason: ans.engineReason(), key: ans.key, out: ans.outputHashes()})
			if err != nil {
				for _, done := range choices[:i] {
					e.cancel(done.st)
				}
				if errors.Is(err, errClosed) {
					writeError(w, &apiError{status: http.StatusServiceUnavailable, typ: "ServiceUnavailableError", msg: err.Error()})
				} else {
					writeError(w, badRequest("%v", strings.TrimPrefix(err.Error(), "sim: ")))
				}
				return
			}
		}
		if req.stream {
			e.writeStream(w, r, resp, fd)
		} else {
			e.writeWhole(w, r, resp, fd)
		}
	})
}

// planChoices plans the n answers of each prompt of req: choice k (prompt
// x n + sample) draws from choiceSeed(Seed, k), so that choices differ
// and the first is what a one-choice request gets.
func (e *Engine) planChoices(req request, body []byte) ([]*choiceState, error) {
	h := fnv.New64a()
	h.Write(body)
	bodyHash := h.Sum64()
	var choices []*choiceState
	for p, toks := range req.prompts {
		maxTokens, err := req.limit(e.cfg.MaxModelLen, len(toks))
		if err != nil {
			return nil, err
		}
		for j := range req.n {
			k := p*req.n + j
			ans := planAnswerHash(choiceSeed(e.cfg.Seed, k), bodyHash, maxTokens, req.minTokens, req.ignoreEOS)
			planToolCall(&ans, req.tools, maxTokens, req.ignoreEOS)
			planJSON(&ans, req.format, maxTokens)
			applyStop(&ans, req.stop, req.minTokens)
			choices = append(choices, &choiceState{index: k, prompt: len(toks), first: j == 0, ans: ans})
		}
	}
	return choices, nil
}
