package sim

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseFaults(t *testing.T) {
	tests := []struct {
		in      string
		want    Faults
		wantErr string // "" for valid input
	}{
		{"", Faults{}, ""},
		{"reset=0.05,http_500=0.02,http_429=0.02,stall=0.01,malformed=0.01,truncated=0.01",
			Faults{Reset: 0.05, HTTP500: 0.02, HTTP429: 0.02, Stall: 0.01, Malformed: 0.01, Truncated: 0.01}, ""},
		{" Reset = 0.5 , STALL=0.25 ", Faults{Reset: 0.5, Stall: 0.25}, ""},
		{"reset=1", Faults{Reset: 1}, ""},
		{"reset", Faults{}, `item 1 "reset": want name=probability`},
		{"reset=0.1,oops=0.2", Faults{}, `item 2 "oops=0.2": unknown fault "oops"`},
		{"stall=abc", Faults{}, `item 1 "stall=abc": probability "abc"`},
		{"stall=1.5", Faults{}, `probability "1.5" is not a number in [0, 1]`},
		{"stall=-0.1", Faults{}, `probability "-0.1"`},
		{"stall=NaN", Faults{}, `probability "NaN"`},
		{"reset=0.1,reset=0.2", Faults{}, `item 2 "reset=0.2": reset given twice`},
		{"reset=0.6,stall=0.6", Faults{}, "add up to 1.2"},
		{"=0.1", Faults{}, `item 1 "=0.1"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseFaults(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "sim: ") {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseFaults = %+v, %v; want %+v", got, err, tt.want)
			}
			if back, err := ParseFaults(got.String()); err != nil || back != got {
				t.Errorf("round trip through %q: %+v, %v", got.String(), back, err)
			}
		})
	}
}

func FuzzParseFaults(f *testing.F) {
	f.Add("reset=0.05,http_500=0.02,http_429=0.02,stall=0.01,malformed=0.01,truncated=0.01")
	f.Add("stall=1e-3")
	f.Add(",,=")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseFaults(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "sim: ") {
				t.Fatalf("error %v without the package prefix", err)
			}
			return
		}
		if got.validate() != nil || got.total() > 1+1e-9 {
			t.Fatalf("accepted invalid %+v", got)
		}
		if back, err := ParseFaults(got.String()); err != nil || back != got {
			t.Fatalf("round trip of %+v through %q: %+v, %v", got, got.String(), back, err)
		}
	})
}

// classify reads one streamed response raw and names what went wrong, as a
// client would see it.
func classify(ctx context.Context, url string, body string) string {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "stall"
		}
		return "reset"
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusInternalServerError:
		return "http_500"
	case http.StatusTooManyRequests:
		if resp.Header.Get("Retry-After") == "" {
			return "http_429 without Retry-After"
		}
		return "http_429"
	default:
		return resp.Status
	}
	sc := bufio.NewScanner(resp.Body)
	bad, done, finished := false, false, false
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		if data == "[DONE]" {
			done = true
			continue
		}
		var ev struct {
			Choices []struct {
				FinishReason *string `json:"finish_reason"`
			} `json:"choices"`
		}
		if json.Unmarshal([]byte(data), &ev) != nil {
			bad = true
		} else if len(ev.Choices) > 0 && ev.Choices[0].FinishReason != nil {
			finished = true
		}
	}
	switch {
	case ctx.Err() != nil:
		return "stall"
	case sc.Err() != nil:
		return "reset"
	case bad:
		return "malformed"
	case !done && !finished:
		return "truncated"
	case !done || !finished:
		return "inconsistent end"
	}
	return "ok"
}

// TestFaultRates sends 2000 streamed requests to an engine with the faults
// of the issue and classifies each raw response: the count of each class is
// exactly what the seeded draws give, and those lie within sampling error of
// the probabilities.
func TestFaultRates(t *testing.T) {
	faults, err := ParseFaults("reset=0.05,http_500=0.02,http_429=0.02,stall=0.01,malformed=0.01,truncated=0.01")
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastConfig()
	cfg.Faults = faults
	_, srv := newServer(t, cfg)
	const n, workers = 2000, 16
	want := map[string]int{}
	for i := range uint64(n) {
		want[[]string{"ok", "reset", "http_500", "http_429", "stall", "malformed", "truncated"}[faults.draw(cfg.Seed, i+1).kind]]++
	}
	got := map[string]int{}
	var mu sync.Mutex
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
				class := classify(ctx, srv.URL+"/v1/chat/completions",
					`{"messages":[{"role":"user","content":"hi there"}],"max_tokens":6,"ignore_eos":true,"stream":true}`)
				cancel()
				mu.Lock()
				got[class]++
				mu.Unlock()
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	t.Logf("classes over %d requests: %v (draws: %v)", n, got, want)
	for class, w := range want {
		if got[class] != w {
			t.Errorf("%s: %d responses, want %d (the seeded draws)", class, got[class], w)
		}
	}
	for class, p := range map[string]float64{"reset": faults.Reset, "http_500": faults.HTTP500, "http_429": faults.HTTP429,
		"stall": faults.Stall, "malformed": faults.Malformed, "truncated": faults.Truncated, "ok": 1 - faults.total()} {
		sd := math.Sqrt(n * p * (1 - p))
		if d := math.Abs(float64(want[class]) - n*p); d > 4*sd {
			t.Errorf("%s: %d draws, want %.0f within 4 standard deviations (%.1f)", class, want[class], n*p, sd)
		}
	}
	if len(got) != len(want) {
		t.Errorf("unexpected classes: %v", got)
	}
}

// TestFaultsWholeResponses: non-streamed requests fail the same ways.
func TestFaultsWholeResponses(t *testing.T) {
	tests := []struct {
		fault string
		check func(t *testing.T, resp *http.Response, err error)
	}{
		{"http_500=1", func(t *testing.T, resp *http.Response, err error) {
			if err != nil || resp.StatusCode != http.StatusInternalServerError {
				t.Errorf("status %v, %v; want 500", resp, err)
			}
		}},
		{"reset=1", func(t *testing.T, resp *http.Response, err error) {
			if err == nil {
				t.Errorf("status %d, want a reset connection", resp.StatusCode)
			}
		}},
		{"malformed=1", func(t *testing.T, resp *http.Response, err error) {
			b, _ := io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != http.StatusOK || json.Valid(b) {
				t.Errorf("status %v, body %q: want 200 with invalid JSON", resp, b)
			}
		}},
		{"truncated=1", func(t *testing.T, resp *http.Response, err error) {
			b, rerr := io.ReadAll(resp.Body)
			if err != nil || rerr != nil || resp.StatusCode != http.StatusOK || json.Valid(b) || len(b) == 0 {
				t.Errorf("status %v, body %q, %v: want 200 with half a JSON body", resp, b, rerr)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			cfg := fastConfig()
			cfg.Faults, _ = ParseFaults(tt.fault)
			_, srv := newServer(t, cfg)
			resp, err := http.Post(srv.URL+"/v1/completions", "application/json", strings.NewReader(`{"prompt":"hi","max_tokens":4}`))
			if err == nil {
				defer resp.Body.Close()
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatal(err)
			}
			tt.check(t, resp, err)
		})
	}
}
