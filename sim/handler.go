package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// maxBodyBytes bounds a request body; a full 128k-token prompt is under 1 MiB.
const maxBodyBytes = 32 << 20

// ServeHTTP serves the OpenAI API as vLLM does: GET /v1/models, POST
// /v1/chat/completions and /v1/completions (streaming or not), GET /metrics
// (Prometheus text, vLLM metric names) and GET /health.
func (e *Engine) ServeHTTP(w http.ResponseWriter, r *http.Request) { e.mux.ServeHTTP(w, r) }

func (e *Engine) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/v1/models", only(http.MethodGet, http.HandlerFunc(e.handleModels)))
	mux.Handle("/v1/chat/completions", only(http.MethodPost, e.handleGenerate(chatAPI)))
	mux.Handle("/v1/completions", only(http.MethodPost, e.handleGenerate(completionsAPI)))
	mux.Handle("/metrics", only(http.MethodGet, e.metricsHandler()))
	mux.Handle("/health", only(http.MethodGet, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	})))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &apiError{status: http.StatusNotFound, typ: "NotFoundError", msg: fmt.Sprintf("no route for %s", r.URL.Path)})
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

// writeError answers err as OpenAI error JSON; errors that are not an
// *apiError are internal.
func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{status: http.StatusInternalServerError, typ: "InternalServerError", msg: err.Error()}
	}
	type body struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    int     `json:"code"`
	}
	writeJSON(w, ae.status, map[string]body{"error": {Message: ae.msg, Type: ae.typ, Code: ae.status}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) // the client hears of a failure by a short body
}

func (e *Engine) handleModels(w http.ResponseWriter, _ *http.Request) {
	type model struct {
		ID          string `json:"id"`
		Object      string `json:"object"`
		Created     int64  `json:"created"`
		OwnedBy     string `json:"owned_by"`
		Root        string `json:"root"`
		MaxModelLen int    `json:"max_model_len"`
	}
	m := model{ID: e.served, Object: "model", Created: e.created.Unix(), OwnedBy: "tokenbench",
		Root: e.dep.Model.Source, MaxModelLen: e.cfg.MaxModelLen}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []model{m}})
}

// handleGenerate serves one completion of API a: it checks the request,
// plans its answer, queues it in the scheduler and writes the tokens as the
// scheduler produces them.
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
			writeError(w, &apiError{status: http.StatusNotFound, typ: "NotFoundError",
				msg: fmt.Sprintf("The model `%s` does not exist.", req.model)})
			return
		}
		maxTokens, err := req.limit(e.cfg.MaxModelLen)
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
		ans := planAnswer(e.cfg.Seed, body, maxTokens, req.minTokens, req.ignoreEOS)
		planToolCall(&ans, req.tools, maxTokens, req.ignoreEOS)
		id, st, err := e.submit(seqRequest{prompt: req.promptTokens, tokens: req.tokens, output: ans.tokens,
			reason: ans.engineReason(), key: ans.key, out: ans.outputHashes()})
		if errors.Is(err, errClosed) {
			writeError(w, &apiError{status: http.StatusServiceUnavailable, typ: "ServiceUnavailableError", msg: err.Error()})
			return
		}
		if err != nil {
			writeError(w, badRequest("%v", err))
			return
		}
		resp := e.newResponse(req, ans)
		if req.stream {
			e.writeStream(w, r, resp, id, st, fd)
		} else {
			e.writeWhole(w, r, resp, id, st, fd)
		}
	})
}
