package bench

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// scanSeeds are events of every shape the scanner must decode itself, and
// of shapes it must hand to encoding/json.
var scanSeeds = []struct {
	name    string
	data    string
	scanned bool // decoded by the scanner, not encoding/json
}{
	{"vLLM token", `{"id":"chatcmpl-5f0a8d6c9e2b4e7a","object":"chat.completion.chunk","created":1764187200,"model":"meta-llama/Llama-3.1-8B-Instruct","choices":[{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}]}`, true},
	{"role only", `{"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}`, true},
	{"finish", `{"choices":[{"index":0,"delta":{},"finish_reason":"stop","stop_reason":null}]}`, true},
	{"usage", `{"id":"c","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":null}}}`, true},
	{"usage details null", `{"usage":{"prompt_tokens":-0,"completion_tokens":0,"prompt_tokens_details":null}}`, true},
	{"reasoning", `{"choices":[{"delta":{"reasoning_content":"hm","reasoning":"x"}}]}`, true},
	{"completions", `{"choices":[{"text":"abc","index":0,"logprobs":{"tokens":["a","b"],"token_logprobs":[-0.1,-2e-3]}}]}`, true},
	{"chat logprobs", `{"choices":[{"delta":{"content":"ab"},"logprobs":{"content":[{"token":"a","logprob":-0.5,"bytes":[97],"top_logprobs":[]},null]}}]}`, true},
	{"tool calls", `{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get","arguments":"{\"a\":"}},{"index":null,"function":null}]}}]}`, true},
	{"escapes", `{"choices":[{"delta":{"content":"a\n\"b\"\\\/\b\f\r\t\u00e9\ud83d\ude00\ud800x\udc00é"}}]}`, true},
	{"invalid UTF-8", "{\"choices\":[{\"delta\":{\"content\":\"a\xffb\xed\xa0\x80\"}}]}", true},
	{"raw extensions", `{"choices":[],"timings":{"predicted_n":4,"a":[1,2.5e+3,true,false,null,{"b":"c"}]},"meta_info":null,"error":null,"object":"x"}`, true},
	{"vLLM error", `{"object":"error","message":"bad","type":"BadRequestError","code":400}`, true},
	{"error object", `{"error":{"message":"m","code":"429"}}`, true},
	{"null choice", `{"choices":[null,{"delta":null,"text":null,"finish_reason":null}]}`, true},
	{"white space", " \t\r\n{ \"id\" : \"x\" , \"choices\" : [ ] } \n", true},
	{"surrogates", `{"id":"\u0000\ud800\ud800\udc00\uDC00\uD83D\uDE00x\ud83d"}`, true},
	{"non-ASCII key", `{"cöntent":1,"choices":[]}`, false},
	{"repeated delta key", `{"choices":[{"delta":{"content":"a","content":"b"}}]}`, false},
	{"float index", `{"choices":[{"delta":{"tool_calls":[{"index":1e2}]}}]}`, false},
	{"negative index", `{"choices":[{"delta":{"tool_calls":[{"index":-5,"id":null}]}}]}`, true},
	{"deep unknown", `{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, false},
	{"upper-case key", `{"ID":"x"}`, false},
	{"folded key", `{"Choices":[]}`, false},
	{"kelvin key", "{\"tool_calls\":1,\"choices\":[{\"delta\":{\"tool_call\u212a\":1}}]}", false},
	{"repeated key", `{"id":"a","id":"b"}`, false},
	{"escaped key", `{"\u0069d":"x"}`, false},
	{"float token count", `{"usage":{"prompt_tokens":1.0}}`, false},
	{"wrong type", `{"choices":{}}`, false},
	{"number content", `{"choices":[{"delta":{"content":5}}]}`, false},
	{"null top", `null`, false},
	{"array top", `[]`, false},
	{"trailing data", `{} {}`, false},
	{"trailing comma", `{"id":"x",}`, false},
	{"bad escape", `{"id":"\x"}`, false},
	{"control character", "{\"id\":\"a\tb\"}", false},
	{"leading zero", `{"created":01}`, false},
	{"bare minus", `{"created":-}`, false},
	{"cut short", `{"choices":[{"delta":{"content":"a`, false},
	{"empty", ``, false},
	{"logprobs not a list", `{"choices":[{"logprobs":{"content":{}}}]}`, false},
	{"huge count", `{"usage":{"prompt_tokens":12345678901234567890}}`, false},
}

// TestChunkScanner checks that the scanner decodes the shapes it should
// (zero allocations is BenchmarkReadStream's business) and agrees with
// encoding/json on all of them.
func TestChunkScanner(t *testing.T) {
	for _, tc := range scanSeeds {
		t.Run(tc.name, func(t *testing.T) {
			var s chunkScanner
			var ch chunk
			if got := s.scan([]byte(tc.data), &ch); got != tc.scanned {
				t.Fatalf("scanned %v, want %v", got, tc.scanned)
			}
			compareWithJSON(t, []byte(tc.data))
		})
	}
}

// TestChunkScannerReuse decodes events one after another with one scanner,
// as a stream does: nothing of an earlier event leaks into a later one.
func TestChunkScannerReuse(t *testing.T) {
	var s chunkScanner
	for round := 0; round < 2; round++ {
		for _, tc := range scanSeeds {
			var got, want chunk
			gerr := s.decode([]byte(tc.data), &got)
			werr := json.Unmarshal([]byte(tc.data), &want)
			if (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
				t.Fatalf("%s: error %v, encoding/json %v", tc.name, gerr, werr)
			}
			if gerr == nil && !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: decoded\n%+v\nencoding/json\n%+v", tc.name, got, want)
			}
		}
	}
}

// compareWithJSON fails when the scanner accepts data and decodes it other
// than encoding/json does, or when encoding/json refuses it.
func compareWithJSON(t *testing.T, data []byte) {
	t.Helper()
	var s chunkScanner
	var got chunk
	if !s.scan(data, &got) {
		return // encoding/json decodes it: same result by construction
	}
	var want chunk
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatalf("scanner accepted %q, encoding/json: %v", data, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\nscanner       %+v\nencoding/json %+v", data, got, want)
	}
}

// FuzzChunkScanner checks the scanner against encoding/json on any event.
func FuzzChunkScanner(f *testing.F) {
	for _, tc := range scanSeeds {
		f.Add([]byte(tc.data))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compareWithJSON(t, data)
	})
}

// BenchmarkChunkScan decodes one vLLM-shaped token chunk, the JSON part of
// BenchmarkReadStream (docs/BENCHMARKS.md compares it with the parsers the
// scanner was chosen over).
func BenchmarkChunkScan(b *testing.B) {
	data := []byte(scanSeeds[0].data)
	var s chunkScanner
	var ch chunk
	b.ReportAllocs()
	for range b.N {
		if err := s.decode(data, &ch); err != nil || ch.Choices[0].Delta.Content != " token" {
			b.Fatal(err)
		}
	}
}
