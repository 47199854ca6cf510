package workloads

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// sweTools builds the tool definitions of a SWE-agent session. The
// trajectory's own tools list (own), when it has one, is what the agent
// offered and wins: it is kept whole, in its order. Without one, the
// commands documented in replay_config.agent.tools.command_docs are the
// tools (in their order). Then a tool the recorded calls use that neither
// lists is added: from the docs when they have it, else derived from the
// calls (its parameters are the argument names seen, typed by their values,
// none required).
func sweTools(own []openai.Tool, rt sweReplayTools, turns []Turn) []openai.Tool {
	var tools []openai.Tool
	have := map[string]bool{}
	add := func(t openai.Tool) {
		if t.Function != nil && !have[t.Function.Name] {
			have[t.Function.Name] = true
			tools = append(tools, t)
		}
	}
	for _, t := range own {
		add(t)
	}
	docs := parseCommandDocs(rt.commandDocs())
	if len(own) == 0 {
		for _, t := range docs {
			add(t)
		}
	} else {
		used := map[string]bool{}
		for _, t := range turns {
			if t.Recorded != nil {
				for _, c := range t.Recorded.ToolCalls {
					used[c.Function.Name] = true
				}
			}
		}
		for _, t := range docs {
			if used[t.Function.Name] {
				add(t)
			}
		}
	}
	derived := map[string]map[string]any{} // tool -> argument -> schema
	var order []string
	for _, t := range turns {
		if t.Recorded == nil {
			continue
		}
		for _, c := range t.Recorded.ToolCalls {
			name := c.Function.Name
			if have[name] {
				continue
			}
			props, seen := derived[name]
			if !seen {
				props = map[string]any{}
				derived[name] = props
				order = append(order, name)
			}
			var args map[string]any
			if json.Unmarshal([]byte(c.Function.Arguments), &args) != nil {
				continue
			}
			for k, v := range args {
				if _, ok := props[k]; !ok {
					props[k] = map[string]any{"type": jsonSchemaType(v)}
				}
			}
		}
	}
	for _, name := range order {
		tools = append(tools, openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: name, Parameters: map[string]any{"type": "object", "properties": derived[name]},
		}})
	}
	return tools
}

func jsonSchemaType(v any) string {
	switch x := v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "string"
}

// sweReplayTools is replay_config.agent.tools of a trajectory: its
// command_docs and its tools list, each left raw.
type sweReplayTools struct {
	CommandDocs json.RawMessage `json:"command_docs"`
	Tools       json.RawMessage `json:"tools"`
}

// readReplayTools digs replay_config.agent.tools out of a replay config,
// stored as an object or as a JSON string (zero when it has none).
func readReplayTools(raw json.RawMessage) sweReplayTools {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		raw = json.RawMessage(s)
	}
	var rc struct {
		Agent struct {
			Tools sweReplayTools `json:"tools"`
		} `json:"agent"`
	}
	if json.Unmarshal(raw, &rc) != nil {
		return sweReplayTools{}
	}
	return rc.Agent.Tools
}

// commandDocs is the command_docs text ("" when absent or not a string).
func (rt sweReplayTools) commandDocs() string {
	var docs string
	if json.Unmarshal(rt.CommandDocs, &docs) != nil {
		return ""
	}
	return docs
}

// sweOwnTools reads the trajectory's own tool definitions: its top-level
// "tools", else replay_config.agent.tools.tools when that is a list (the
// OpenAI definitions SWE-agent sends in function-calling mode). Errors name
// the field.
func sweOwnTools(top []json.RawMessage, rt sweReplayTools) ([]openai.Tool, error) {
	field := "tools"
	if len(top) == 0 {
		if json.Unmarshal(rt.Tools, &top) != nil {
			return nil, nil // absent, or not a list: not a tools list of ours
		}
		field = "replay_config.agent.tools.tools"
	}
	tools := make([]openai.Tool, 0, len(top))
	for i, raw := range top {
		var t openai.Tool
		if err := json.Unmarshal(raw, &t); err != nil {
			return nil, sessFieldErr(fmt.Sprintf("%s[%d]", field, i), "want an OpenAI tool definition: %v", err)
		}
		if t.Type == "" {
			t.Type = openai.ToolTypeFunction
		}
		if t.Function == nil || t.Function.Name == "" {
			return nil, sessFieldErr(fmt.Sprintf("%s[%d]", field, i), "a tool needs function.name")
		}
		tools = append(tools, t)
	}
	return tools, nil
}

var (
	sweDocName = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_-]*):\s*$`)
	sweDocArg  = regexp.MustCompile(`^\s*-\s+(\S+)\s+\(([^)]*)\)\s+\[(required|optional)\]:\s?(.*)$`)
)

// parseCommandDocs reads SWE-agent's command documentation, as its
// generate_command_docs writes it:
//
//	name:
//	  docstring: what it does
//	  signature: name <arg> [<opt>]
//	  arguments:
//	    - arg (string) [required]: what it is
//
// A command starts at a line "name:" whose next non-blank line is its
// "  docstring:" or "  signature:": that structure, not a line ending in a
// colon, makes a tool, so "Tips:" or "end:" inside a docstring or a
// multi-line signature stays text of the command it belongs to.
func parseCommandDocs(text string) []openai.Tool {
	type doc struct {
		name, desc string
		props      map[string]any
		required   []string
	}
	lines := strings.Split(text, "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], "\r")
	}
	header := func(i int) string {
		m := sweDocName.FindStringSubmatch(lines[i])
		if m == nil {
			return ""
		}
		for _, l := range lines[i+1:] {
			if strings.TrimSpace(l) == "" {
				continue
			}
			if strings.HasPrefix(l, "  docstring:") || strings.HasPrefix(l, "  signature:") {
				return m[1]
			}
			return ""
		}
		return ""
	}
	var docs []*doc
	var cur *doc
	section := ""
	for i, l := range lines {
		if name := header(i); name != "" {
			cur = &doc{name: name, props: map[string]any{}}
			docs = append(docs, cur)
			section = ""
			continue
		}
		if cur == nil || strings.TrimSpace(l) == "" {
			continue
		}
		switch {
		case strings.HasPrefix(l, "  docstring:"):
			section, cur.desc = "docstring", strings.TrimSpace(strings.TrimPrefix(l, "  docstring:"))
		case strings.HasPrefix(l, "  signature:"):
			section = "signature"
		case strings.HasPrefix(l, "  arguments:"):
			section = "arguments"
		case section == "docstring":
			cur.desc = strings.TrimSpace(cur.desc + "\n" + strings.TrimSpace(l))
		case section == "arguments":
			m := sweDocArg.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			p := map[string]any{"type": sweArgType(m[2]), "description": m[4]}
			if p["type"] == "array" {
				p["items"] = map[string]any{"type": "string"}
			}
			cur.props[m[1]] = p
			if m[3] == "required" {
				cur.required = append(cur.required, m[1])
			}
		}
	}
	tools := make([]openai.Tool, 0, len(docs))
	for _, d := range docs {
		params := map[string]any{"type": "object", "properties": d.props}
		if len(d.required) > 0 {
			params["required"] = d.required
		}
		tools = append(tools, openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: d.name, Description: d.desc, Parameters: params,
		}})
	}
	return tools
}

func sweArgType(t string) string {
	switch strings.ToLower(strings.TrimSpace(t)) {
	case "integer", "int":
		return "integer"
	case "number", "float":
		return "number"
	case "boolean", "bool":
		return "boolean"
	case "array", "list":
		return "array"
	}
	return "string"
}
