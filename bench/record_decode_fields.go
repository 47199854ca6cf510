package bench

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
)

// recordFields are Record's JSON names in field order; the index is the
// bit of a field in recordDecoder's seen mask.
var recordFields = []string{
	"request_id", "response_id", "session", "turn", "ok", "error_class", "error", "status", "warmup",
	"t_sched_ms", "t_start_ms", "ttft_ms", "e2e_ms", "tpot_ms", "events_ms", "event_tokens", "done_marker",
	"input_tokens", "output_tokens", "reasoning_tokens", "cached_tokens", "tokens_source",
	"target_input_tokens", "max_tokens", "finish_reason", "http", "engine", "endpoint", "route",
	"retried", "usage_suspect", "usage_input_tokens", "usage_output_tokens",
}

// recordFieldIndex finds a field's index without a scan of recordFields.
var recordFieldIndex = func() map[string]int {
	m := make(map[string]int, len(recordFields))
	for i, n := range recordFields {
		m[n] = i
	}
	return m
}()

var httpFields = []string{"conn_reused", "conn_ms", "wrote_request_ms", "first_byte_ms"}

// fieldIndex returns the index of key in names, -1 when it is none of
// them; errSlow when it matches one only case-insensitively, since
// encoding/json would then fill that field.
func fieldIndex(names []string, key []byte) (int, error) {
	if i, ok := recordFieldIndex[string(key)]; ok && len(names) == len(recordFields) {
		return i, nil
	}
	for i, n := range names {
		if string(key) == n {
			return i, nil
		}
	}
	for _, n := range names {
		if bytes.EqualFold(key, []byte(n)) {
			return -1, errSlow
		}
	}
	return -1, nil
}

// recordJSONKeys are every JSON name of Record's fields: a key among them
// that the fast path does not decode (a field added to Record and not to
// recordFields) sends the line to encoding/json rather than being skipped.
var recordJSONKeys = func() map[string]bool {
	m := map[string]bool{}
	t := reflect.TypeFor[Record]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = true
		}
	}
	return m
}()

// record decodes the whole line into r: one object, then only white space.
func (d *recordDecoder) record(r *Record) error {
	var seen uint64
	err := d.object(func(key []byte) error {
		i, err := fieldIndex(recordFields, key)
		if err != nil {
			return err
		}
		if i < 0 {
			if recordJSONKeys[string(key)] {
				return errSlow // a field the fast path does not decode
			}
			_, err := d.skip(0)
			return err
		}
		if seen&(1<<i) != 0 {
			return errSlow // a repeated field: let encoding/json merge it
		}
		seen |= 1 << i
		return d.recordField(i, r)
	})
	if err != nil {
		return err
	}
	if d.ws(); d.i != len(d.b) {
		return errSlow
	}
	return nil
}

func (d *recordDecoder) recordField(i int, r *Record) error {
	switch recordFields[i] {
	case "request_id":
		return d.str(&r.RequestID)
	case "response_id":
		return d.str(&r.ResponseID)
	case "session":
		return d.str(&r.Session)
	case "turn":
		return d.integer(&r.Turn)
	case "ok":
		return d.boolean(&r.OK)
	case "error_class":
		return d.str(&r.ErrorClass)
	case "error":
		return d.str(&r.Error)
	case "status":
		return d.integer(&r.Status)
	case "warmup":
		return d.boolean(&r.Warmup)
	case "t_sched_ms":
		return d.float(&r.TSchedMS)
	case "t_start_ms":
		return d.float(&r.TStartMS)
	case "ttft_ms":
		return d.floatPtr(&r.TTFTMS)
	case "e2e_ms":
		return d.float(&r.E2EMS)
	case "tpot_ms":
		return d.floatPtr(&r.TPOTMS)
	case "events_ms":
		return d.floats(&r.EventsMS)
	case "event_tokens":
		return d.ints(&r.EventTokens)
	case "done_marker":
		return d.boolean(&r.DoneMarker)
	case "input_tokens":
		return d.integer(&r.InputTokens)
	case "output_tokens":
		return d.integer(&r.OutputTokens)
	case "reasoning_tokens":
		return d.intPtr(&r.ReasoningTokens)
	case "cached_tokens":
		return d.intPtr(&r.CachedTokens)
	case "tokens_source":
		return d.str(&r.TokensSource)
	case "target_input_tokens":
		return d.integer(&r.TargetInputTokens)
	case "max_tokens":
		return d.integer(&r.MaxTokens)
	case "finish_reason":
		return d.str(&r.FinishReason)
	case "http":
		return d.httpTrace(&r.HTTP)
	case "engine":
		return d.engine(&r.Engine)
	case "endpoint":
		return d.str(&r.Endpoint)
	case "retried":
		return d.boolean(&r.Retried)
	case "usage_suspect":
		return d.str(&r.UsageSuspect)
	case "usage_input_tokens":
		return d.intPtr(&r.UsageInputTokens)
	case "usage_output_tokens":
		return d.intPtr(&r.UsageOutputTokens)
	}
	return errSlow
}

func (d *recordDecoder) httpTrace(v **HTTPTrace) error {
	if d.isNull() {
		*v = nil
		return nil
	}
	h := &HTTPTrace{}
	var seen uint
	err := d.object(func(key []byte) error {
		i, err := fieldIndex(httpFields, key)
		if err != nil {
			return err
		}
		if i < 0 {
			_, err := d.skip(0)
			return err
		}
		if seen&(1<<i) != 0 {
			return errSlow
		}
		seen |= 1 << i
		switch i {
		case 0:
			return d.boolean(&h.ConnReused)
		case 1:
			return d.floatPtr(&h.ConnMS)
		case 2:
			return d.floatPtr(&h.WroteRequestMS)
		default:
			return d.floatPtr(&h.FirstByteMS)
		}
	})
	if err != nil {
		return err
	}
	*v = h
	return nil
}

// engine keeps each value's bytes as sent, as json.RawMessage does.
func (d *recordDecoder) engine(v *map[string]json.RawMessage) error {
	if d.isNull() {
		*v = nil
		return nil
	}
	m := map[string]json.RawMessage{}
	err := d.object(func(key []byte) error {
		if d.peek() == 'n' {
			return errSlow // a null raw value: leave the subtleties to encoding/json
		}
		raw, err := d.skip(1)
		if err != nil {
			return err
		}
		m[string(key)] = bytes.Clone(raw)
		return nil
	})
	if err != nil {
		return err
	}
	*v = m
	return nil
}
