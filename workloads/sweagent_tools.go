package workloads

import (
	"encoding/json"
	"regexp"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// sweTools builds the tool definitions of a SWE-agent session: the commands
// documented in replay_config.agent.tools.command_docs (in their order),
// then a derived definition for each tool the recorded calls use that the
// docs lack (its parameters are the argument names seen, typed by their
// values, none required).
func sweTools(replayConfig json.RawMessage, turns []Turn) []openai.Tool {
	var tools []openai.Tool
	have := map[string]bool{}
	for _, t := range parseCommandDocs(sweCommandDocs(replayConfig)) {
		if !have[t.Function.Name] {
			have[t.Function.Name] = true
			tools = append(tools, t)
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

// sweCommandDocs digs replay_config.agent.tools.command_docs out of a
// replay config, stored as an object or as a JSON string.
func sweCommandDocs(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		raw = json.RawMessage(s)
	}
	var rc struct {
		Agent struct {
			Tools struct {
				CommandDocs string `json:"command_docs"`
			} `json:"tools"`
		} `json:"agent"`
	}
	if json.Unmarshal(raw, &rc) != nil {
		return ""
	}
	return rc.Agent.Tools.CommandDocs
}

var (
	sweDocName = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_-]*):\s*$`)
	sweDocArg  = regexp.MustCompile(`^\s*-\s+(\S+)\s+\(([^)]*)\)\s+\[(required|optional)\]:\s?(.*)$`)
)

// parseCommandDocs reads SWE-agent's command documentation:
//
//	name:
//	  docstring: what it does
//	  signature: name <arg> [<opt>]
//	  arguments:
//	    - arg (string) [required]: what it is
//
// A signature may span lines; a new command starts after a blank line.
func parseCommandDocs(text string) []openai.Tool {
	type doc struct {
		name, desc string
		props      map[string]any
		required   []string
	}
	var docs []*doc
	var cur *doc
	section, prevBlank := "", true
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimRight(l, "\r")
		blank := strings.TrimSpace(l) == ""
		if m := sweDocName.FindStringSubmatch(l); m != nil && (prevBlank || section != "signature") {
			cur = &doc{name: m[1], props: map[string]any{}}
			docs = append(docs, cur)
			section, prevBlank = "", false
			continue
		}
		prevBlank = blank
		if cur == nil || blank {
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
