package workloads

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

func init() { register("jsonl", openJSONL) }

// jsonlLine is one request of a jsonl workload file:
//
//	{"prompt": "...", "max_tokens": 128}
//	{"messages": [{"role": "user", "content": "..."}], "tools": [...], "timestamp_ms": 1500}
//
// Exactly one of prompt and messages; max_tokens, tools, id and timestamp_ms
// are optional. id names the request in the records of a timed file (a
// cycling file repeats requests, so the runner numbers them instead).
// Unknown fields are errors, so that a misspelt "max_token" does not
// silently leave the output length to the server.
type jsonlLine struct {
	ID          string                         `json:"id"`
	Prompt      *string                        `json:"prompt"`
	Messages    []openai.ChatCompletionMessage `json:"messages"`
	MaxTokens   *int                           `json:"max_tokens"`
	Tools       []openai.Tool                  `json:"tools"`
	TimestampMS json.RawMessage                `json:"timestamp_ms"`
}

// jsonlRoles are the message roles the chat API takes.
var jsonlRoles = map[string]bool{"system": true, "developer": true, "user": true, "assistant": true, "tool": true}

// timedItem is a jsonl request with its trace timestamp.
type timedItem struct {
	at   int64
	item Item
}

func (t timedItem) traceNS() int64 { return t.at }

func openJSONL(s Spec) (Source, error) {
	data, err := readInput("jsonl", s.Path)
	if err != nil {
		return nil, err
	}
	return parseJSONL(s.Path, data, s)
}

// parseJSONL reads one request per line. Without timestamps the requests are
// replayed in file order, cycling; when every line has timestamp_ms they are
// a trace, replayed on its clock (s.TimeScale, s.TraceStart,
// s.TraceDuration) and not cycled. Mixing the two is an error. Requests
// without max_tokens get s.MaxTokens (0: the server decides).
func parseJSONL(name string, data []byte, s Spec) (Source, error) {
	rep := FileReport{Path: name}
	var plain []Item
	var timed []timedItem
	mode := 0 // 1: lines carry timestamps, -1: they do not
	err := eachLine(data, func(n int, text []byte) error {
		rep.Records++
		var l jsonlLine
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.DisallowUnknownFields()
		dec.UseNumber()
		if err := dec.Decode(&l); err != nil {
			field, msg := jsonProblem(err)
			return fileError(name, n, field, msg)
		}
		if dec.More() {
			return fileError(name, n, "", errors.New("more than one JSON value on the line"))
		}
		it, field, err := jsonlItem(&l, s.MaxTokens)
		if err != nil {
			return fileError(name, n, field, err)
		}
		has := 1
		if len(l.TimestampMS) == 0 || string(l.TimestampMS) == "null" {
			has = -1
		}
		if mode == 0 {
			mode = has
		} else if has != mode {
			return fileError(name, n, "timestamp_ms", errors.New("either every line or none has timestamp_ms"))
		}
		if has < 0 {
			// A cycling dataset repeats items, so ids would repeat in
			// the records: leave numbering to the runner.
			it.ID = ""
			plain = append(plain, it)
			return nil
		}
		at, err := parseMillis(string(l.TimestampMS))
		if err != nil {
			return fileError(name, n, "timestamp_ms", err)
		}
		if it.ID == "" {
			it.ID = fmt.Sprintf("L%d", n)
		}
		timed = append(timed, timedItem{at: at, item: it})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(plain) > 0 {
		return newCycling(plain, rep), nil
	}
	if len(timed) == 0 {
		return nil, fileError(name, 0, "", errors.New("no requests in the file"))
	}
	return newTraceSource(name, timed, s, rep, func(t *timedItem) Item { return t.item })
}

// jsonlItem validates one line and builds its item; on error it names the
// field at fault.
func jsonlItem(l *jsonlLine, maxTokens int) (Item, string, error) {
	r := Request{Tools: l.Tools, MaxTokens: maxTokens}
	switch {
	case l.Prompt != nil && len(l.Messages) > 0:
		return Item{}, "prompt", errors.New("give prompt or messages, not both")
	case l.Prompt != nil:
		if strings.TrimSpace(*l.Prompt) == "" {
			return Item{}, "prompt", errors.New("empty prompt")
		}
		r.Prompt = *l.Prompt
	case len(l.Messages) > 0:
		for i, m := range l.Messages {
			if !jsonlRoles[m.Role] {
				return Item{}, fmt.Sprintf("messages[%d].role", i), fmt.Errorf("unknown role %q (want system, developer, user, assistant or tool)", m.Role)
			}
		}
		r.Messages = l.Messages
	default:
		return Item{}, "prompt", errors.New("missing: give prompt or messages")
	}
	if l.MaxTokens != nil {
		if *l.MaxTokens < 1 || *l.MaxTokens > maxTraceTokens {
			return Item{}, "max_tokens", fmt.Errorf("want 1 to %d, got %d", maxTraceTokens, *l.MaxTokens)
		}
		r.MaxTokens = *l.MaxTokens
	}
	for i, t := range l.Tools {
		if t.Type != openai.ToolTypeFunction {
			return Item{}, fmt.Sprintf("tools[%d].type", i), fmt.Errorf("want %q, got %q", openai.ToolTypeFunction, t.Type)
		}
		if t.Function == nil || t.Function.Name == "" {
			return Item{}, fmt.Sprintf("tools[%d].function.name", i), errors.New("missing")
		}
	}
	return Item{ID: l.ID, Request: r}, "", nil
}
