package sim

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"
)

// toolMode is what a chat request's tool_choice allows.
type toolMode int

const (
	toolsNone     toolMode = iota // "none", or no tools offered: text only
	toolsAuto                     // the engine decides, seeded (the default with tools)
	toolsRequired                 // "required" or a named function: always a call
)

// toolDef is an offered function: its name and the properties of its
// parameters in the order the request lists them, so that the arguments the
// engine writes keep that order.
type toolDef struct {
	name  string
	props []toolProp
}

// toolProp is one property of a function's parameters and its JSON Schema
// type ("" when it has none).
type toolProp struct {
	name, typ string
}

// tools is what the engine needs of a chat request's tools and tool_choice.
type tools struct {
	defs      []toolDef
	mode      toolMode
	forced    int  // 1 + the index in defs of the function tool_choice names; 0 when none is named
	afterTool bool // the last message is a tool result: answer with text, so sessions converge
}

// parseTools reads the tools and tool_choice of a chat body. Errors are
// *apiError naming the field.
func parseTools(rawTools, rawChoice json.RawMessage) (tools, error) {
	var t tools
	if isNull(rawTools) {
		if !isNull(rawChoice) && !bytes.Equal(bytes.TrimSpace(rawChoice), []byte(`"none"`)) {
			return t, badRequest("tool_choice: needs tools to be set")
		}
		return t, nil
	}
	var offered []struct {
		Type     string `json:"type"`
		Function *struct {
			Name       string          `json:"name"`
			Parameters json.RawMessage `json:"parameters"`
		} `json:"function"`
	}
	if err := json.Unmarshal(rawTools, &offered); err != nil {
		return t, badRequest("tools: want a list of function tools: %v", err)
	}
	for i, o := range offered {
		if o.Type != "function" || o.Function == nil {
			return t, badRequest("tools[%d]: want {\"type\": \"function\", \"function\": {...}}", i)
		}
		name := o.Function.Name
		if name == "" || strings.IndexFunc(name, unicode.IsSpace) >= 0 {
			return t, badRequest("tools[%d].function.name: want a non-empty name without spaces, got %q", i, name)
		}
		props, err := properties(o.Function.Parameters)
		if err != nil {
			return t, badRequest("tools[%d].function.parameters: %v", i, err)
		}
		t.defs = append(t.defs, toolDef{name: name, props: props})
	}
	if len(t.defs) > 0 {
		t.mode = toolsAuto
	}
	if isNull(rawChoice) {
		return t, nil
	}
	var s string
	if json.Unmarshal(rawChoice, &s) == nil {
		switch s {
		case "none":
			t.mode = toolsNone
		case "auto":
		case "required":
			t.mode = toolsRequired
		default:
			return t, badRequest(`tool_choice: want "none", "auto", "required" or a named function, got %q`, s)
		}
		if t.mode == toolsRequired && len(t.defs) == 0 {
			return t, badRequest(`tool_choice "required": tools is empty`)
		}
		return t, nil
	}
	var named struct {
		Type     string `json:"type"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if err := json.Unmarshal(rawChoice, &named); err != nil || named.Type != "function" {
		return t, badRequest(`tool_choice: want "none", "auto", "required" or {"type": "function", "function": {"name": ...}}`)
	}
	for i, d := range t.defs {
		if d.name == named.Function.Name {
			t.mode, t.forced = toolsRequired, i+1
			return t, nil
		}
	}
	return t, badRequest("tool_choice.function.name: %q is not among the tools", named.Function.Name)
}

// properties returns the properties of a JSON Schema object in their order
// in the text (a map would lose it), each with its type: the first of a
// list of types that is not "null".
func properties(raw json.RawMessage) ([]toolProp, error) {
	if isNull(raw) {
		return nil, nil
	}
	var schema struct {
		Properties json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		return nil, err
	}
	if isNull(schema.Properties) {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(schema.Properties))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errNotObject
	}
	var props []toolProp
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string) // object keys are always strings
		var p struct {
			Type json.RawMessage `json:"type"`
		}
		if err := dec.Decode(&p); err != nil {
			return nil, badRequest("properties.%s: %v", name, err)
		}
		props = append(props, toolProp{name: name, typ: schemaType(p.Type)})
	}
	return props, nil
}

var errNotObject = badRequest("properties: want an object")

// schemaType is a JSON Schema "type": a string, or the first non-null of a
// list.
func schemaType(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []string
	json.Unmarshal(raw, &list) // anything else has no type
	for _, s := range list {
		if s != "null" {
			return s
		}
	}
	return ""
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}
