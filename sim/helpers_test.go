package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// fastConfig is the default deployment run fifty times faster than the
// modelled GPU, so that HTTP tests run quickly while still going through the
// scheduler: a decode step takes about a tenth of a millisecond.
func fastConfig() Config {
	cfg := DefaultConfig()
	cfg.Seed = 42
	cfg.TimeScale = 0.02
	return cfg
}

// newServer serves an Engine for cfg over loopback HTTP until the test ends.
func newServer(t *testing.T, cfg Config) (*Engine, *httptest.Server) {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { e.Close() }) // runs first: ends streams so srv.Close does not wait
	return e, srv
}

// extraBody is a RoundTripper that adds fields to every JSON request body,
// the way clients pass engine extensions (ignore_eos) that go-openai lacks.
type extraBody map[string]any

func (x extraBody) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			return nil, err
		}
		for k, v := range x {
			m[k] = v
		}
		b, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
	}
	return http.DefaultTransport.RoundTrip(r)
}

// newClient returns a go-openai client of srv that sends extra in every body.
func newClient(srv *httptest.Server, extra extraBody) *openai.Client {
	cfg := openai.DefaultConfig("unused")
	cfg.BaseURL = srv.URL + "/v1"
	cfg.HTTPClient = &http.Client{Transport: extra}
	return openai.NewClientWithConfig(cfg)
}

// post sends body to path and returns the status and the whole answer.
func post(t *testing.T, srv *httptest.Server, path, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// eventually polls cond until it holds or a generous deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// secondsD is s seconds.
func secondsD(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
