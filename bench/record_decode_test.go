package bench

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// decodeSeeds are lines DecodeRecord must read exactly as encoding/json
// does: what tokenbench writes, and what other writers or damage produce.
var decodeSeeds = []string{
	`{"request_id":"8","response_id":"chatcmpl-e2","ok":true,"status":200,"warmup":false,"t_sched_ms":3.850467,"t_start_ms":4.700944,"ttft_ms":22.938112,"e2e_ms":575.950253,"tpot_ms":8.77797049206349,"events_ms":[22.938112,177.790389,184.24317],"done_marker":true,"input_tokens":512,"output_tokens":64,"cached_tokens":0,"tokens_source":"usage","target_input_tokens":512,"max_tokens":64,"finish_reason":"length","http":{"conn_reused":false,"conn_ms":1.032729,"wrote_request_ms":1.187378,"first_byte_ms":3.268813},"engine":{"timings":{"cache_n":0,"prompt_n":512,"prompt_ms":20.271}}}`,
	`{"request_id":"3","ok":false,"error_class":"http_5xx","error":"boom é","status":503,"warmup":true,"t_sched_ms":0,"t_start_ms":1e3,"ttft_ms":null,"e2e_ms":-0.5,"tpot_ms":null,"events_ms":[],"event_tokens":[1,2,3],"session":"s1","turn":2,"reasoning_tokens":7,"cached_tokens":null,"http":null,"engine":null}`,
	` { "request_id" : "a\"b\u00e9" , "events_ms" : [ 1 , 2.5 , null ] } `,
	`{"request_id":"4","ok":true,"retried":true,"usage_suspect":"absurd","usage_input_tokens":9,"usage_output_tokens":null}`,
	`{"Request_ID":"folded","OK":true}`,
	`{"request_id":"1","request_id":"2","engine":{"a":1},"engine":{"b":2}}`,
	`{"events_ms":[1e400]}`,
	`{"status":1.5}`,
	`{"status":"x"}`,
	`{"ok":true}{}`,
	`{"ok":true,}`,
	`{"unknown":[{"x":[1,{"y":"z"}]},true,null,-0.1e-3],"ok":true}`,
	`{"t_start_ms":12345678901234567890.5,"e2e_ms":0.1234567890123456789}`,
	`{"engine":{"meta_info":{"spec_verify_ct":3},"k":null}}`,
	`null`,
	`{"http":{"conn_reused":true,"conn_ms":null,"extra":1}}`,
	"{\"error\":\"bad \xff utf8\"}",
	`{"events_ms":[01]}`,
	`{"events_ms":[1.]}`,
	`{"turn":-0,"status":-12}`,
	`{"ok":tru}`,
	`{"request_id":"x"`,
}

func checkDecodeRecord(t *testing.T, line []byte) {
	t.Helper()
	var fast, slow Record
	ferr := DecodeRecord(line, &fast)
	serr := json.Unmarshal(line, &slow)
	if (ferr == nil) != (serr == nil) || (ferr != nil && ferr.Error() != serr.Error()) {
		t.Fatalf("%q: DecodeRecord error %v, encoding/json %v", line, ferr, serr)
	}
	if ferr == nil && !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q:\nDecodeRecord %+v\nencoding/json %+v", line, fast, slow)
	}
}

func TestDecodeRecordMatchesEncodingJSON(t *testing.T) {
	for _, s := range decodeSeeds {
		checkDecodeRecord(t, []byte(s))
	}
	// A record written by JSONLWriter reads back the same.
	var buf bytes.Buffer
	ttft, cached, uin, uout := 12.5, 3, 9, 1000000000
	in := Record{RequestID: "r", OK: true, Status: 200, TTFTMS: &ttft, EventsMS: []float64{12.5, 13.25},
		CachedTokens: &cached, Engine: map[string]json.RawMessage{"timings": json.RawMessage(`{"draft_n":4}`)},
		Retried: true, UsageSuspect: "completion_tokens 1000000000 above max_tokens 2", UsageInputTokens: &uin, UsageOutputTokens: &uout}
	if err := NewJSONLWriter(&buf).Write(in); err != nil {
		t.Fatal(err)
	}
	var out Record
	if err := DecodeRecord(buf.Bytes(), &out); err != nil || !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip: %v\n in %+v\nout %+v", err, in, out)
	}
}

// FuzzDecodeRecord checks that DecodeRecord agrees with encoding/json on
// any line, in result and in error.
func FuzzDecodeRecord(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) { checkDecodeRecord(t, line) })
}

// TestDecodeRecordKeepsEveryField decodes a record with every field set
// and finds it whole: a field the fast path does not know goes to
// encoding/json instead of being skipped.
func TestDecodeRecordKeepsEveryField(t *testing.T) {
	one, two, kv := 1, 2, 0.5
	want := Record{RequestID: "r", Retried: true, UsageSuspect: "why", UsageInputTokens: &one, UsageOutputTokens: &two,
		Endpoint: "replica-1", Route: &RouteInfo{Policy: "prefix-aware", OverlapTokens: 3, KVUsage: &kv}, EventsMS: []float64{}}
	line, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var got Record
	if err := DecodeRecord(line, &got); err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(got)
	if string(a) != string(line) {
		t.Errorf("decoded\n%s\nwant\n%s", a, line)
	}
}

// TestDecodeRecordMatchesJSONOnNewerFields compares the fast path with
// encoding/json on a line carrying the client's newer fields and a
// stranger's field.
func TestDecodeRecordMatchesJSONOnNewerFields(t *testing.T) {
	line := []byte(`{"request_id":"7","ok":false,"status":200,"warmup":false,"t_sched_ms":1,"t_start_ms":2,"ttft_ms":3,"e2e_ms":4,"tpot_ms":null,` +
		`"events_ms":[3],"done_marker":true,"input_tokens":5,"output_tokens":1,"cached_tokens":null,"tokens_source":"usage",` +
		`"retried":true,"usage_suspect":"negative","usage_input_tokens":5,"usage_output_tokens":-3,"some_future_field":{"x":1}}`)
	var fast, slow Record
	if err := DecodeRecord(line, &fast); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(line, &slow); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Errorf("DecodeRecord differs from encoding/json:\n%+v\n%+v", fast, slow)
	}
}
