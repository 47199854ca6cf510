package bench

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/workloads"
)

// chunkedReader returns at most n bytes per Read.
type chunkedReader struct {
	r io.Reader
	n int
}

func (c chunkedReader) Read(p []byte) (int, error) {
	if len(p) > c.n {
		p = p[:c.n]
	}
	return c.r.Read(p)
}

func drain(r io.Reader) (events []string, errs []string) {
	sr := newSSEReader(r, time.Now)
	for k := 0; k < 100000; k++ {
		data, _, err := sr.Next()
		if err == io.EOF {
			return events, errs
		}
		if err != nil && err != errUnterminated {
			return events, append(errs, err.Error())
		}
		events = append(events, string(data))
		if err == errUnterminated {
			errs = append(errs, "unterminated")
		}
	}
	panic("reader did not terminate")
}

// FuzzSSEReader checks that any byte stream is split into the same events
// however the network cuts it into reads, and that nothing panics.
func FuzzSSEReader(f *testing.F) {
	f.Add([]byte(sse(evRole, evTok("a"), "[DONE]")), uint8(1))
	f.Add([]byte("data: a\r\ndata: b\r\rdata:c\n\n: comment\n\nevent: x\nid: 1\ndata\n\n"), uint8(3))
	f.Add([]byte("data: {\"unterminated"), uint8(2))
	f.Add([]byte("\r\n\r\r\n\n"), uint8(1))
	f.Fuzz(func(t *testing.T, body []byte, cut uint8) {
		whole, wholeErrs := drain(bytes.NewReader(body))
		pieces, pieceErrs := drain(chunkedReader{bytes.NewReader(body), int(cut%16) + 1})
		if len(whole) != len(pieces) || len(wholeErrs) != len(pieceErrs) {
			t.Fatalf("read whole: %q %v; in pieces of %d: %q %v", whole, wholeErrs, cut%16+1, pieces, pieceErrs)
		}
		for k := range whole {
			if whole[k] != pieces[k] {
				t.Fatalf("event %d: %q vs %q", k, whole[k], pieces[k])
			}
		}
	})
}

// FuzzClientStream feeds any body to the measurement path: every outcome is
// a classified record with consistent fields, never a panic.
func FuzzClientStream(f *testing.F) {
	f.Add([]byte(sse(evRole, evTok("a"), evTok("b"), evFin, evUsage, "[DONE]")))
	f.Add([]byte(sse(`{"choices":[{"delta":{"tool_calls":[{"index":7,"function":{"arguments":"x"}}]}}]}`, "[DONE]")))
	f.Add([]byte(sse(`{"error":{"code":"x"}}`)))
	f.Add([]byte(sse(`{"choices":[],"usage":{"prompt_tokens":-1,"completion_tokens":0}}`, `{"choices":[{"text":"x"}]}`, "[DONE]")))
	f.Add([]byte("data: [DONE]"))
	f.Fuzz(func(t *testing.T, body []byte) {
		clock := &fakeClock{}
		st := &scriptedTransport{clock: clock, pieces: []piece{{ms: 1, data: string(body)}}}
		c, _ := NewClient(Target{BaseURL: "http://e/v1", Model: "m"}, WithHTTPClient(&http.Client{Transport: st}), WithClock(clock.now))
		rec, _ := c.Do(context.Background(), workloads.Request{Prompt: "p q"}, epoch, epoch)
		if rec.OK == (rec.ErrorClass != "") {
			t.Fatalf("ok=%v with class %q", rec.OK, rec.ErrorClass)
		}
		if rec.OK && (rec.TTFTMS == nil || len(rec.EventsMS) == 0) {
			t.Fatalf("ok record without a first token")
		}
		if rec.TPOTMS != nil && (!rec.OK || rec.OutputTokens < 2) {
			t.Fatalf("TPOT on a record with %d tokens (ok=%v)", rec.OutputTokens, rec.OK)
		}
		if rec.TokensSource != TokensFromUsage && rec.TokensSource != TokensFromEstimate {
			t.Fatalf("tokens_source %q", rec.TokensSource)
		}
	})
}
