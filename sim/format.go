package sim

import (
	"encoding/json"
	"strings"
)

// format is what response_format asks of the text.
type format struct {
	kind  string     // "" (text), "json_object" or "json_schema"
	props []toolProp // json_schema: the schema's properties, in order
}

// parseFormat reads response_format: null, {"type": "text"},
// {"type": "json_object"} or {"type": "json_schema", "json_schema":
// {"schema": {...}}}.
func parseFormat(raw json.RawMessage) (format, error) {
	var f format
	if isNull(raw) {
		return f, nil
	}
	var rf struct {
		Type       string `json:"type"`
		JSONSchema *struct {
			Schema json.RawMessage `json:"schema"`
		} `json:"json_schema"`
	}
	if err := json.Unmarshal(raw, &rf); err != nil {
		return f, badParam("response_format", `response_format: want {"type": "text"}, {"type": "json_object"} or {"type": "json_schema", "json_schema": {...}}`)
	}
	switch rf.Type {
	case "text":
	case "json_object":
		f.kind = rf.Type
	case "json_schema":
		if rf.JSONSchema == nil {
			return f, badParam("response_format", `response_format: type "json_schema" needs "json_schema": {"schema": {...}}`)
		}
		props, err := properties(rf.JSONSchema.Schema)
		if err != nil {
			return f, badParam("response_format", "response_format.json_schema.schema: want a JSON Schema object")
		}
		f.kind, f.props = rf.Type, props
	default:
		return f, badParam("response_format", `response_format.type must be "text", "json_object" or "json_schema", got %q.`, rf.Type)
	}
	return f, nil
}

// planJSON makes a text answer valid JSON, as guided decoding does: for
// json_object the object {"answer": "..."} whose string holds seeded
// words, sized so that the answer keeps its planned length (at least the
// object's five tokens); for json_schema an object with the schema's
// properties, written like tool-call arguments. Its tokens are the text's
// fragments (splitTokens). An answer cut by max_tokens is not valid JSON,
// as on a real server.
func planJSON(a *answer, f format, maxTokens int) {
	if f.kind == "" || a.call != nil {
		return
	}
	var text string
	var toks []string
	if f.kind == "json_schema" {
		text = arguments(f.props, a.key^saltValue)
		toks = splitTokens(text)
	} else {
		// {"answer": " w1 ... wn "}: {"answer": is two tokens, the quotes
		// one each, each word (of at most six letters) one.
		text = jsonAnswer(a.key, max(a.tokens-4, 1))
		toks = splitTokens(text)
	}
	hashes := appendTextTokens(nil, text)
	a.tokens, a.reason = len(toks), reasonStop
	if a.tokens > maxTokens {
		a.tokens, a.reason = maxTokens, reasonLength
		toks, hashes = toks[:maxTokens], hashes[:maxTokens]
	}
	a.toks, a.hashes = toks, hashes
}

// jsonAnswer is {"answer": " w1 w2 ... wn "} with the answer's words.
func jsonAnswer(key uint64, words int) string {
	var b strings.Builder
	b.WriteString(`{"answer": "`)
	for i := range words {
		b.WriteString(wordAt(key, i))
	}
	b.WriteString(` "}`)
	return b.String()
}
