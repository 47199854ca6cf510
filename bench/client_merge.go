package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	openai "github.com/sashabaranov/go-openai"
)

// marshalChat is json.Marshal(cr), byte for byte, without encoding/json
// scanning each message a second time: it compacts whatever a MarshalJSON
// method returns, and go-openai's ChatCompletionMessage has one, which for
// an 8k-token prompt was half the body's cost. The messages are encoded by
// their own MarshalJSON (compact and HTML-escaped already, so compacting
// changes nothing) and spliced in (TestMarshalChatAsJSONMarshal).
func marshalChat(cr openai.ChatCompletionRequest) ([]byte, error) {
	msgs := cr.Messages
	if msgs == nil {
		return json.Marshal(cr)
	}
	cr.Messages = nil
	b, err := json.Marshal(cr)
	if err != nil {
		return nil, err
	}
	// Messages follows Model, a string, whose quotes are escaped: the
	// first unescaped "messages":null is the member.
	const member = `"messages":`
	i := bytes.Index(b, []byte(member+"null"))
	if i < 0 {
		cr.Messages = msgs
		return json.Marshal(cr)
	}
	i += len(member)
	out := make([]byte, 0, len(b)+64*len(msgs))
	out = append(out, b[:i]...)
	out = append(out, '[')
	for k, m := range msgs {
		mb, err := m.MarshalJSON()
		if err != nil {
			cr.Messages = msgs
			return json.Marshal(cr) // encoding/json's own error
		}
		if k > 0 {
			out = append(out, ',')
		}
		out = append(out, mb...)
	}
	out = append(out, ']')
	return append(out, b[i+len("null"):]...), nil
}

// mergeFields adds extra to the JSON object b (json.Marshal's output) and
// returns the object with its keys sorted: the bytes json.Marshal gives for
// the map[string]json.RawMessage of b's members with extra set over them,
// where extra never replaces a member of b but ignore_eos, min_tokens and
// logprobs. It reads b's members in place instead of decoding and
// re-encoding them, which cost a quarter of the client's CPU per request
// with a 512-token prompt (docs/BENCHMARKS.md).
func mergeFields(b []byte, extra map[string]any) ([]byte, error) {
	type member struct {
		key string
		raw []byte
	}
	members := make([]member, 0, 16+len(extra))
	s := chunkScanner{data: b}
	s.ws()
	if isOpen, _ := s.open('{'); !isOpen {
		return nil, errors.New("bench: request body is not a JSON object")
	}
	var f fields
	for {
		key, more, ok := s.member(&f)
		if !ok {
			return nil, errors.New("bench: request body: unexpected JSON")
		}
		if !more {
			break
		}
		start := s.pos
		if !s.skip(1) {
			return nil, errors.New("bench: request body: unexpected JSON")
		}
		members = append(members, member{string(key), b[start:s.pos]})
	}
	set := make(map[string]int, len(members))
	for i, m := range members {
		set[m.key] = i // a repeated key: the last wins, as in a map
	}
	for k, x := range extra {
		i, isSet := set[k]
		if isSet && k != "ignore_eos" && k != "min_tokens" && k != "logprobs" {
			continue // extras never override what bench itself sets
		}
		raw, err := json.Marshal(x) // compact, HTML escaped: as the map's encoder writes it
		if err != nil {
			return nil, fmt.Errorf("extra body field %q: %w", k, err)
		}
		if isSet {
			members[i].raw = raw
			continue
		}
		set[k] = len(members)
		members = append(members, member{k, raw})
	}
	keep := members[:0]
	for i, m := range members {
		if set[m.key] == i {
			keep = append(keep, m)
		}
	}
	sort.Slice(keep, func(i, j int) bool { return keep[i].key < keep[j].key })
	n := 2
	for _, m := range keep {
		n += len(m.key) + len(m.raw) + 8
	}
	out := make([]byte, 0, n)
	out = append(out, '{')
	for i, m := range keep {
		if i > 0 {
			out = append(out, ',')
		}
		var err error
		if out, err = appendKey(out, m.key); err != nil {
			return nil, err
		}
		out = append(out, ':')
		out = append(out, m.raw...)
	}
	return append(out, '}'), nil
}

// appendKey appends key as json.Marshal quotes it: a plain key (printable
// ASCII that JSON and its HTML escaping leave alone, as every field name
// of a request is) as it is, without json.Marshal's allocation per member
// and request; any other through json.Marshal.
func appendKey(out []byte, key string) ([]byte, error) {
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			k, err := json.Marshal(key)
			return append(out, k...), err
		}
	}
	out = append(out, '"')
	out = append(out, key...)
	return append(out, '"'), nil
}
