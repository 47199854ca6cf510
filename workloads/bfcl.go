package workloads

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

func init() {
	register("bfcl", openSessionKind("bfcl", FormatBFCL))
}

// BFCL (Berkeley Function-Calling Leaderboard, gorilla bfcl_eval/data) files
// are JSON lines: {"id", "question": [turn, ...], "function": [doc, ...]},
// each turn a list of {role, content} messages. Multi-turn items name
// "involved_classes" instead of "function"; the docs of each class are in
// multi_turn_func_doc/<file>.json (one doc per line), minus the item's
// "excluded_function". Every item becomes one session with one turn per
// question turn and no recorded replies (BFCL records none).

// bfclClassDocs maps a multi-turn class to its doc file, as bfcl_eval's
// MULTI_TURN_FUNC_DOC_FILE_MAPPING does.
var bfclClassDocs = map[string]string{
	"GorillaFileSystem": "gorilla_file_system.json",
	"MathAPI":           "math_api.json",
	"MessageAPI":        "message_api.json",
	"TwitterAPI":        "posting_api.json",
	"TicketAPI":         "ticket_api.json",
	"TradingBot":        "trading_bot.json",
	"TravelAPI":         "travel_booking.json",
	"VehicleControlAPI": "vehicle_control.json",
	"WebSearchAPI":      "web_search.json",
	"MemoryAPI_kv":      "memory_kv.json",
	"MemoryAPI_vector":  "memory_vector.json",
	"MemoryAPI_rec_sum": "memory_rec_sum.json",
}

// bfclAddedFunctions is what BFCL sends on a turn whose question is empty
// (the missed-function categories add tools there; we offer every tool from
// the start, since a session's tools are fixed).
const bfclAddedFunctions = "I have updated some more functions you can choose from. What about now?"

type bfclItem struct {
	ID               string            `json:"id"`
	Question         [][]bfclMessage   `json:"question"`
	Function         []json.RawMessage `json:"function"`
	InvolvedClasses  []string          `json:"involved_classes"`
	ExcludedFunction []string          `json:"excluded_function"`
}

type bfclMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type bfclFunc struct {
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Parameters  map[string]any `json:"parameters"`
}

func openBFCL(path, docDir string) (SessionReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if docDir == "" {
		docDir = filepath.Join(filepath.Dir(path), "multi_turn_func_doc")
	}
	cache := map[string][]bfclFunc{}
	load := func(class string) ([]bfclFunc, error) {
		if fs, ok := cache[class]; ok {
			return fs, nil
		}
		fs, err := readBFCLDocs(docDir, class)
		if err == nil {
			cache[class] = fs
		}
		return fs, err
	}
	name := filepath.Base(path)
	br := bufio.NewReaderSize(f, 1<<16)
	line := 0
	return funcSessions{close: f.Close, next: func() (*Session, error) {
		for {
			b, err := br.ReadBytes('\n')
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("workloads: %s: %w", name, err)
			}
			if len(b) > 0 {
				line++
			}
			if len(bytes.TrimSpace(b)) > 0 {
				s, perr := parseBFCL(b, load)
				if perr != nil {
					return nil, fmt.Errorf("workloads: %s line %d: %w", name, line, perr)
				}
				s.where = fmt.Sprintf("%s line %d", name, line)
				return s, nil
			}
			if err != nil {
				return nil, io.EOF
			}
		}
	}}, nil
}

func readBFCLDocs(dir, class string) ([]bfclFunc, error) {
	file, ok := bfclClassDocs[class]
	if !ok {
		return nil, fmt.Errorf("unknown class %q", class)
	}
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return nil, fmt.Errorf("class %s: %w (BFCL keeps the tools of multi-turn items in multi_turn_func_doc next to the data file)", class, err)
	}
	var out []bfclFunc
	for i, l := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		fn, err := decodeBFCLFunc(l, "doc")
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", file, i+1, err)
		}
		out = append(out, fn)
	}
	return out, nil
}

func decodeBFCLFunc(b []byte, field string) (bfclFunc, error) {
	var fn bfclFunc
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // keep numbers in defaults and enums as written
	if err := dec.Decode(&fn); err != nil {
		return fn, sessJSONErr(field, err)
	}
	if fn.Name == "" {
		return fn, sessFieldErr(field+".name", "missing")
	}
	return fn, nil
}

// parseBFCL turns one BFCL item into a session; load returns the docs of a
// multi-turn class.
func parseBFCL(line []byte, load func(class string) ([]bfclFunc, error)) (*Session, error) {
	var it bfclItem
	if err := json.Unmarshal(line, &it); err != nil {
		return nil, sessJSONErr("", err)
	}
	if it.ID == "" {
		return nil, sessFieldErr("id", "missing")
	}
	if len(it.Question) == 0 {
		return nil, sessFieldErr("question", "no turns")
	}
	var funcs []bfclFunc
	for i, raw := range it.Function {
		fn, err := decodeBFCLFunc(raw, fmt.Sprintf("function[%d]", i))
		if err != nil {
			return nil, err
		}
		funcs = append(funcs, fn)
	}
	if len(it.Function) == 0 {
		excluded := map[string]bool{}
		for _, n := range it.ExcludedFunction {
			excluded[n] = true
		}
		for i, class := range it.InvolvedClasses {
			fs, err := load(class)
			if err != nil {
				return nil, sessFieldErr(fmt.Sprintf("involved_classes[%d]", i), "%v", err)
			}
			for _, fn := range fs {
				if !excluded[fn.Name] {
					funcs = append(funcs, fn)
				}
			}
		}
	}
	s := &Session{ID: it.ID}
	for _, fn := range funcs {
		s.Tools = append(s.Tools, bfclTool(fn))
	}
	for k, q := range it.Question {
		if k == 0 && len(q) > 0 && q[0].Role == openai.ChatMessageRoleSystem {
			s.System, q = q[0].Content, q[1:]
		}
		var t Turn
		switch {
		case len(q) == 0 && k == 0:
			return nil, sessFieldErr("question[0]", "no user message")
		case len(q) == 0:
			t.User = bfclAddedFunctions
		case len(q) == 1 && q[0].Role == openai.ChatMessageRoleUser:
			t.User = q[0].Content
		default:
			for j, m := range q {
				if m.Role == "" {
					return nil, sessFieldErr(fmt.Sprintf("question[%d][%d].role", k, j), "missing")
				}
				t.Messages = append(t.Messages, openai.ChatCompletionMessage{Role: m.Role, Content: m.Content})
			}
		}
		s.Turns = append(s.Turns, t)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// bfclTool converts a BFCL function doc to an OpenAI tool the way BFCL's
// own convert_to_tool does for OpenAI-style models: "." in names becomes
// "_", the parameters become an "object", and BFCL's type names map to JSON
// Schema (GORILLA_TO_OPENAPI; a float also gets format "float" and a note
// in its description).
func bfclTool(fn bfclFunc) openai.Tool {
	params := map[string]any{}
	for k, v := range fn.Parameters {
		params[k] = v
	}
	params["type"] = "object"
	props, _ := params["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
	}
	params["properties"] = bfclCastProps(props)
	return openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
		Name: strings.ReplaceAll(fn.Name, ".", "_"), Description: fn.Description, Parameters: params,
	}}
}

var bfclTypes = map[string]string{
	"integer": "integer", "number": "number", "float": "number", "string": "string",
	"boolean": "boolean", "bool": "boolean", "array": "array", "list": "array",
	"dict": "object", "object": "object", "tuple": "array", "any": "string",
	"byte": "integer", "short": "integer", "long": "integer", "double": "number",
	"char": "string", "ArrayList": "array", "Array": "array", "HashMap": "object",
	"Hashtable": "object", "Queue": "array", "Stack": "array", "Any": "string",
	"String": "string", "Bigint": "integer",
}

func bfclType(t any) string {
	s, _ := t.(string)
	if m, ok := bfclTypes[s]; ok {
		return m
	}
	return "string"
}

// bfclCastProps is BFCL's _cast_to_openai_type, on a copy.
func bfclCastProps(props map[string]any) map[string]any {
	out := make(map[string]any, len(props))
	for key, v := range props {
		m, ok := v.(map[string]any)
		if !ok {
			out[key] = v
			continue
		}
		p := make(map[string]any, len(m)+1)
		for k, x := range m {
			p[k] = x
		}
		if t, has := m["type"]; !has {
			p["type"] = "string"
		} else {
			if t == "float" {
				p["format"] = "float"
				d, _ := m["description"].(string)
				p["description"] = d + " This is a float type value."
			}
			p["type"] = bfclType(t)
		}
		if p["type"] == "array" || p["type"] == "object" {
			if sub, ok := p["properties"].(map[string]any); ok {
				p["properties"] = bfclCastProps(sub)
			} else if items, ok := p["items"].(map[string]any); ok {
				p["items"] = bfclCastItems(items)
			}
		}
		out[key] = p
	}
	return out
}

func bfclCastItems(items map[string]any) map[string]any {
	it := make(map[string]any, len(items)+1)
	for k, x := range items {
		it[k] = x
	}
	it["type"] = bfclType(items["type"])
	if inner, ok := it["items"].(map[string]any); ok && it["type"] == "array" {
		in := make(map[string]any, len(inner)+1)
		for k, x := range inner {
			in[k] = x
		}
		in["type"] = bfclType(inner["type"])
		it["items"] = in
	} else if sub, ok := it["properties"].(map[string]any); ok && it["type"] == "object" {
		it["properties"] = bfclCastProps(sub)
	}
	return it
}
