package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tokenbench/tokenbench/workloads"
)

// PreflightError is a probe's answer that makes the run pointless: the
// credentials, the URL or the model is wrong. Hint says what to change.
type PreflightError struct {
	// Status is the probe's HTTP status (0 when it got none).
	Status int
	// Class is the probe record's error class.
	Class string
	// Message is the server's error, or the transport's.
	Message string
	Hint    string
}

func (e *PreflightError) Error() string {
	s := "pre-flight request failed"
	if e.Status != 0 {
		s += fmt.Sprintf(" with HTTP %d", e.Status)
	} else if e.Class != "" {
		s += " (" + e.Class + ")"
	}
	if e.Message != "" {
		s += ": " + truncate(e.Message, 200)
	}
	if e.Hint != "" {
		s += "\n  hint: " + e.Hint
	}
	return s
}

// Preflight sends one short request to t before any load, and returns a
// *PreflightError when its answer means every request of the run would
// fail the same way: 401/403 (credentials), 404 (a base URL without /v1,
// or an unknown model, with the models the server lists), or no
// connection at all. Other failures (429, 5xx, a broken stream) are the
// server's behaviour under test and are returned as nil with the record,
// for the caller to mention.
func Preflight(ctx context.Context, t Target, opts ...ClientOption) (Record, error) {
	c, err := NewClient(t, opts...)
	if err != nil {
		return Record{}, err
	}
	probe := workloads.Request{Prompt: "Say hello.", MaxTokens: 4}
	now := time.Now()
	rec, _ := c.Do(ctx, probe, now, now)
	if rec.OK {
		return rec, nil
	}
	pe := &PreflightError{Status: rec.Status, Class: rec.ErrorClass, Message: rec.Error}
	base := RedactURL(t.BaseURL)
	switch {
	case rec.Status == http.StatusUnauthorized || rec.Status == http.StatusForbidden:
		if t.APIKey == "" {
			pe.Hint = "the server wants credentials and none were given: pass --api-key or set $OPENAI_API_KEY (or --header for another scheme)"
		} else {
			pe.Hint = "the server refused the API key given (--api-key or $OPENAI_API_KEY): check it, and that it may use model " + t.Model
		}
	case rec.Status == http.StatusNotFound && !hasV1(t.BaseURL):
		pe.Hint = fmt.Sprintf("%s has no /v1: OpenAI-compatible servers serve under it; try --url %s/v1", base, strings.TrimRight(base, "/"))
	case (rec.Status == http.StatusNotFound || rec.Status == http.StatusBadRequest) && mentionsModel(rec.Error):
		pe.Hint = fmt.Sprintf("the server does not serve model %q", t.Model)
		if ids, err := ListModels(ctx, t, c.http); err == nil && len(ids) > 0 {
			pe.Hint += "; it serves: " + strings.Join(ids, ", ") + " (pass one with --model)"
		}
	case rec.Status == http.StatusNotFound:
		pe.Hint = fmt.Sprintf("%s answered 404 at %s: check the URL, or --api (chat or completions)", base, RedactURL(c.url))
	case rec.ErrorClass == ErrConnect:
		pe.Hint = fmt.Sprintf("nothing answers at %s: is the server running, and is the host and port right?", base)
	default:
		return rec, nil
	}
	return rec, pe
}

func hasV1(base string) bool {
	u, err := url.Parse(base)
	if err != nil {
		return true // no hint to give
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "v1" {
			return true
		}
	}
	return false
}

// mentionsModel reports whether an error message is about the model
// (vLLM: "The model `x` does not exist."; OpenAI: "model_not_found").
func mentionsModel(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "model") && (strings.Contains(m, "not exist") || strings.Contains(m, "not found") ||
		strings.Contains(m, "unknown") || strings.Contains(m, "not_found") || strings.Contains(m, "invalid"))
}

// ListModels returns the model ids of GET {base}/models, in the server's
// order.
func ListModels(ctx context.Context, t Target, hc *http.Client) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.endpoint("/models"), nil)
	if err != nil {
		return nil, err
	}
	t.authorize(req.Header)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("bench: GET /models: HTTP %d", resp.StatusCode)
	}
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&list); err != nil {
		return nil, fmt.Errorf("bench: GET /models: %w", err)
	}
	ids := make([]string, 0, len(list.Data))
	for _, m := range list.Data {
		if m.ID != "" {
			ids = append(ids, m.ID)
		}
	}
	if len(ids) == 0 {
		return nil, errors.New("bench: GET /models lists none")
	}
	return ids, nil
}
