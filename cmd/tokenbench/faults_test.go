package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/internal/faults"
	"github.com/tokenbench/tokenbench/report"
)

// keepAliveStream is one whole streamed answer of two tokens.
const keepAliveStream = "data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n" +
	"data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\"},\"finish_reason\":\"length\"}]}\n\n" +
	"data: {\"id\":\"x\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2}}\n\n" +
	"data: [DONE]\n\n"

// TestRunRetriesKeepAliveRace: a whole run against a server that drops
// every reused connection loses no request; the summary counts the
// retries, and every record is on disk.
func TestRunRetriesKeepAliveRace(t *testing.T) {
	// Every reuse of a pooled connection fails before a response byte, as
	// the race with llama-server's closes does.
	url := faults.KeepAliveServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, keepAliveStream)
	}), faults.CloseOnNext)
	f, _, errb, _ := testFactory(nil)
	dir := filepath.Join(t.TempDir(), "dropper")
	code := Main(f, []string{"run", "--url", url + "/v1", "--model", "m", "--requests", "12", "--concurrency", "1",
		"--output-tokens", "2", "--no-metrics", "--calibrate", "off", "--force-length=false", "--out", dir, "-q"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	sum, _, err := report.Summarize(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Request 1 opens a connection; request 2 reuses it, is dropped and
	// retried on a connection of its own; request 3 opens a new one... (6
	// retries; fewer when a loaded host made the client give up draining a
	// body after [DONE], which closes that connection instead of pooling
	// it: bench.TestRetry counts them exactly). None may be lost.
	if sum.Requests.Total != 12 || sum.Requests.OK != 12 || sum.Requests.Retried > 6 {
		t.Errorf("requests %+v, want 12 ok, at most 6 retried", sum.Requests)
	}
	retried := 0
	if _, err := bench.ReadRecordsFile(filepath.Join(dir, bench.RecordsFile), func(r bench.Record) error {
		if r.Retried {
			retried++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if retried != sum.Requests.Retried {
		t.Errorf("%d records say retried, the summary %d", retried, sum.Requests.Retried)
	}
}

// TestRunDoesNotBelieveAbsurdUsage: a server that claims 1e9 output tokens
// per answer gives a summary with the tokens the streams carried, and says
// how many records' usage it did not believe; a vLLM-style in-stream error
// fails its request with the class of its code.
func TestRunDoesNotBelieveAbsurdUsage(t *testing.T) {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		if k%4 == 0 {
			fmt.Fprint(w, "data: {\"object\":\"error\",\"message\":\"prompt too long\",\"code\":400}\n\ndata: [DONE]\n\n")
			return
		}
		fmt.Fprint(w, "data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n"+
			"data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\"},\"finish_reason\":\"stop\"}]}\n\n"+
			"data: {\"id\":\"x\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":1000000000}}\n\n"+
			"data: [DONE]\n\n")
	}))
	defer srv.Close()
	f, _, errb, _ := testFactory(nil)
	dir := filepath.Join(t.TempDir(), "liar")
	code := Main(f, []string{"run", "--url", srv.URL + "/v1", "--model", "m", "--requests", "8", "--concurrency", "1",
		"--no-metrics", "--calibrate", "off", "--force-length=false", "--out", dir, "-q"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	sum, _, err := report.Summarize(dir)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Requests.OK != 6 || sum.Requests.Errors["http_4xx"] != 2 {
		t.Errorf("requests %+v, want 6 ok and 2 http_4xx", sum.Requests)
	}
	if sum.Tokens.Output != 12 || sum.Tokens.UsageSuspectRecords != 6 || sum.Tokens.EstimatedRecords != 6 {
		t.Errorf("tokens %+v, want 12 output tokens from the events, 6 records not believed", sum.Tokens)
	}
}
