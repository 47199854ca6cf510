package sim

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/bench/route"
	metricscrape "github.com/tokenbench/tokenbench/bench/scrape"
)

func TestClusterServesAndRoutes(t *testing.T) {
	cfg := DefaultConfig()
	cfg.TimeScale = 0.001
	post := func(url, session, prompt string) string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, url+"/chat/completions",
			strings.NewReader(`{"model":"llama-3.1-8b","max_tokens":2,"messages":[{"role":"user","content":"`+prompt+`"}]}`))
		req.Header.Set("Content-Type", "application/json")
		if session != "" {
			req.Header.Set(SessionHeader, session)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		return resp.Header.Get(EndpointHeader)
	}
	t.Run("session", func(t *testing.T) {
		_, url, stop, err := StartCluster(context.Background(), "127.0.0.1:0", cfg, 2, route.Session, route.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		got := []string{post(url, "a", "hi"), post(url, "b", "hi"), post(url, "a", "again"), post(url, "b", "again")}
		if strings.Join(got, " ") != "replica-0 replica-1 replica-0 replica-1" {
			t.Errorf("endpoints %v", got)
		}
		resp, err := http.Get(strings.TrimSuffix(url, "/v1") + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		r, err := metricscrape.ParseFormat(resp.Body, resp.Header.Get("Content-Type"))
		if err != nil {
			t.Fatal(err)
		}
		if r.Counters[metricscrape.CounterGenerationTokens] != 8 {
			t.Errorf("generation tokens over both replicas %v, want 8 (4 requests of 2)", r.Counters[metricscrape.CounterGenerationTokens])
		}
	})
	t.Run("round-robin", func(t *testing.T) {
		_, url, stop, err := StartCluster(context.Background(), "127.0.0.1:0", cfg, 2, route.RoundRobin, route.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		n := map[string]int{}
		for range 6 {
			n[post(url, "", "hi")]++
		}
		if n["replica-0"] != 3 || n["replica-1"] != 3 {
			t.Errorf("shares %v, want 3 and 3", n)
		}
	})
}
