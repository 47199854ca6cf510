package bench

import (
	"bufio"
	"bytes"
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/workloads"
)

// readStreamBody is a vLLM-shaped stream of n token events: a role chunk,
// n content chunks, the finish and usage chunks, [DONE].
func readStreamBody(n int) []byte {
	var sb strings.Builder
	sb.WriteString(sse(evRole))
	tok := `{"id":"chatcmpl-5f0a8d6c9e2b4e7a","object":"chat.completion.chunk","created":1764187200,"model":"meta-llama/Llama-3.1-8B-Instruct","choices":[{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}]}`
	for k := 0; k < n; k++ {
		sb.WriteString("data: " + tok + "\n\n")
	}
	sb.WriteString(sse(evFin, evUsage, "[DONE]"))
	return []byte(sb.String())
}

// BenchmarkReadStream measures the per-event read path: SSE framing, the
// arrival timestamp, JSON decoding of a vLLM-shaped chunk and the record
// update. It reports ns/event and allocs/event; the target (issue 11) is
// at most 8x BenchmarkReadStreamBaseline's ns/event and 0.1 allocs/event.
func BenchmarkReadStream(b *testing.B) {
	const events = 1000
	body := readStreamBody(events)
	c, _ := NewClient(Target{BaseURL: "http://e/v1", Model: "m"})
	req := workloads.Request{Prompt: "p"}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mallocs := ms.Mallocs
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		rec := Record{}
		m := &measurement{rec: &rec, start: c.now()}
		c.readStream(context.Background(), m, req, bytes.NewReader(body))
		if !rec.OK || len(rec.EventsMS) != events {
			b.Fatalf("ok=%v events=%d %s", rec.OK, len(rec.EventsMS), rec.Error)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
	b.ReportMetric(float64(ms.Mallocs-mallocs)/float64(b.N*events), "allocs/event")
}

// BenchmarkLargeEvent reads a stream with one 10 MB event: B/op is what a
// stream allocates for it (read buffer, event data, decoding, the reply).
func BenchmarkLargeEvent(b *testing.B) {
	body := []byte(sse(evRole, evTok(strings.Repeat("x", 10<<20)), evFin, evUsage, "[DONE]"))
	c, _ := NewClient(Target{BaseURL: "http://e/v1", Model: "m"})
	req := workloads.Request{Prompt: "p"}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for n := 0; n < b.N; n++ {
		rec := Record{}
		m := &measurement{rec: &rec, start: c.now()}
		c.readStream(context.Background(), m, req, bytes.NewReader(body))
		if !rec.OK {
			b.Fatalf("%s %s", rec.ErrorClass, rec.Error)
		}
	}
}

// BenchmarkReadStreamBaseline is the floor BenchmarkReadStream is judged
// against: the same stream split into lines by a bare bufio.Scanner, with
// one clock read per line and nothing else. It reports ns/event.
func BenchmarkReadStreamBaseline(b *testing.B) {
	const events = 1000
	body := readStreamBody(events)
	var last time.Time
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		sc := bufio.NewScanner(bytes.NewReader(body))
		lines := 0
		for sc.Scan() {
			last = time.Now()
			lines++
		}
		if lines < 2*events {
			b.Fatalf("%d lines", lines)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
	_ = last
}
