package bench

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"testing"
)

// benchRecord is a record as the built-in engine's default run leaves it:
// 128 events about 6.5 ms apart, httptrace points, llama.cpp timings.
func benchRecord() Record {
	ttft, tpot, conn, wrote, first, cached := 22.938112, 6.531496, 1.032729, 1.187378, 3.268813, 0
	r := Record{RequestID: "8", ResponseID: "chatcmpl-e220a8397b1dcdaf910a2dec89025cc1", OK: true, Status: 200,
		TSchedMS: 3.850467, TStartMS: 4.700944, TTFTMS: &ttft, E2EMS: 852.437112, TPOTMS: &tpot, DoneMarker: true,
		InputTokens: 512, OutputTokens: 128, CachedTokens: &cached, TokensSource: TokensFromUsage,
		TargetInputTokens: 512, MaxTokens: 128, FinishReason: "length",
		HTTP:   &HTTPTrace{ConnMS: &conn, WroteRequestMS: &wrote, FirstByteMS: &first},
		Engine: map[string]json.RawMessage{"timings": json.RawMessage(`{"cache_n":0,"prompt_n":512,"prompt_ms":20.271,"predicted_n":128,"predicted_ms":829.499}`)},
	}
	for k := range 128 {
		r.EventsMS = append(r.EventsMS, math.Round((ttft+float64(k)*6.531496)*1e6)/1e6)
	}
	return r
}

// BenchmarkRecordEncode serves the record-encoding figure of
// docs/BENCHMARKS.md: JSONLWriter.Write of one finished request, what the
// runner's sink does per request. It reports ns/record and MB/s.
func BenchmarkRecordEncode(b *testing.B) {
	r := benchRecord()
	var line bytes.Buffer
	if err := NewJSONLWriter(&line).Write(r); err != nil {
		b.Fatal(err)
	}
	w := NewJSONLWriter(io.Discard)
	b.SetBytes(int64(line.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Write(r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/record")
}

// BenchmarkRecordDecode is DecodeRecord of the same line, and
// encoding/json beside it, the reading side of summarize and report.
func BenchmarkRecordDecode(b *testing.B) {
	var line bytes.Buffer
	if err := NewJSONLWriter(&line).Write(benchRecord()); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		decode func([]byte, *Record) error
	}{
		{"DecodeRecord", DecodeRecord},
		{"encoding_json", func(b []byte, r *Record) error { *r = Record{}; return json.Unmarshal(b, r) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(line.Len()))
			b.ReportAllocs()
			var r Record
			for b.Loop() {
				if err := c.decode(line.Bytes(), &r); err != nil || len(r.EventsMS) != 128 {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/record")
		})
	}
}
