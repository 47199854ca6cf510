package workloads

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

func init() {
	register("swe-agent", openSessionKind("swe-agent", FormatSWEAgent))
}

// A SWE-agent trajectory (.traj) holds the agent's whole conversation in
// "history": system, user (task and observations), assistant (with OpenAI
// tool_calls in function-calling mode) and tool messages (tool_call_ids).
// It becomes one session: the first system message is the system prompt,
// each assistant message closes a turn as its recorded reply, the tool
// messages after it are that turn's tool results, and the messages between
// them and the next assistant message are the next turn's input. The step
// "execution_time" of "trajectory" (seconds) is the think time before the
// turn that follows the step. Tools come from the trajectory's own tools
// list when it has one, else from replay_config's command_docs; tools the
// calls use but neither lists are derived from the calls' arguments. SWE-agent's history processors (for example showing only the
// last 5 observations) are not applied: every turn sends the full history.

type sweTraj struct {
	History      []sweMessage      `json:"history"`
	Trajectory   []json.RawMessage `json:"trajectory"`
	ReplayConfig json.RawMessage   `json:"replay_config"`
	Tools        []json.RawMessage `json:"tools"`
}

type sweMessage struct {
	Role        string          `json:"role"`
	Content     json.RawMessage `json:"content"`
	Agent       string          `json:"agent"`
	ToolCalls   []sweToolCall   `json:"tool_calls"`
	ToolCallIDs []string        `json:"tool_call_ids"`
	ToolCallID  string          `json:"tool_call_id"`
	Action      string          `json:"action"`
}

type sweToolCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	} `json:"function"`
}

type sweStep struct {
	Action        string     `json:"action"`
	ExecutionTime sweSeconds `json:"execution_time"`
}

// sweSeconds takes a number, a numeric string or null.
type sweSeconds float64

func (s *sweSeconds) UnmarshalJSON(b []byte) error {
	str := string(bytes.Trim(b, `"`))
	if str == "null" || str == "" {
		*s = 0
		return nil
	}
	v, err := strconv.ParseFloat(str, 64)
	if err != nil || v < 0 || math.IsInf(v, 0) {
		return fmt.Errorf("execution_time: want seconds, got %.40s", b)
	}
	*s = sweSeconds(v)
	return nil
}

// openSWEAgent reads one .traj file, or every .traj file of a directory (in
// name order), one session each.
func openSWEAgent(path string) (SessionReader, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	files := []string{path}
	if st.IsDir() {
		if files, err = filepath.Glob(filepath.Join(path, "*.traj")); err != nil {
			return nil, err
		}
		sort.Strings(files)
		if len(files) == 0 {
			return nil, fmt.Errorf("workloads: %s: no .traj files", path)
		}
	}
	i := 0
	return funcSessions{next: func() (*Session, error) {
		if i >= len(files) {
			return nil, io.EOF
		}
		f := files[i]
		i++
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("workloads: %w", err)
		}
		s, err := parseSWEAgent(b, strings.TrimSuffix(filepath.Base(f), ".traj"))
		if err != nil {
			return nil, fmt.Errorf("workloads: %s: %w", f, err)
		}
		s.where = f
		return s, nil
	}}, nil
}

// parseSWEAgent turns one trajectory into the session named id.
func parseSWEAgent(b []byte, id string) (*Session, error) {
	var tr sweTraj
	if err := json.Unmarshal(b, &tr); err != nil {
		return nil, sessJSONErr("", err)
	}
	if len(tr.History) == 0 {
		return nil, sessFieldErr("history", "empty")
	}
	s := &Session{ID: id}
	agent := tr.History[0].Agent
	var input []openai.ChatCompletionMessage
	var actions []string // action of each turn's reply, to find its step
	used := false        // any tool call at all
	for i, m := range tr.History {
		if m.Agent != agent { // a sub-agent's conversation is not the session's
			continue
		}
		at := fmt.Sprintf("history[%d]", i)
		text, err := sweText(m.Content)
		if err != nil {
			return nil, sessFieldErr(at+".content", "%v", err)
		}
		switch m.Role {
		case openai.ChatMessageRoleSystem:
			if s.System == "" && len(s.Turns) == 0 && len(input) == 0 {
				s.System = text
			} else {
				input = append(input, openai.ChatCompletionMessage{Role: m.Role, Content: text})
			}
		case openai.ChatMessageRoleUser:
			input = append(input, openai.ChatCompletionMessage{Role: m.Role, Content: text})
		case openai.ChatMessageRoleAssistant:
			t := Turn{Recorded: &RecordedReply{Content: text}}
			if len(input) == 1 && input[0].Role == openai.ChatMessageRoleUser {
				t.User = input[0].Content
			} else {
				t.Messages = input
			}
			input = nil
			for j, c := range m.ToolCalls {
				args, err := sweArguments(c.Function.Arguments)
				if err != nil {
					return nil, sessFieldErr(fmt.Sprintf("%s.tool_calls[%d].function.arguments", at, j), "%v", err)
				}
				t.Recorded.ToolCalls = append(t.Recorded.ToolCalls, openai.ToolCall{
					ID: c.ID, Type: openai.ToolType(c.Type),
					Function: openai.FunctionCall{Name: c.Function.Name, Arguments: args},
				})
				used = true
			}
			s.Turns = append(s.Turns, t)
			actions = append(actions, m.Action)
		case openai.ChatMessageRoleTool:
			if len(s.Turns) == 0 || len(input) > 0 {
				return nil, sessFieldErr(at, "a tool message must follow an assistant message")
			}
			id := m.ToolCallID
			if id == "" && len(m.ToolCallIDs) > 0 {
				id = m.ToolCallIDs[0]
			}
			last := &s.Turns[len(s.Turns)-1]
			last.ToolResults = append(last.ToolResults, ToolResult{ToolCallID: id, Content: text})
		default:
			return nil, sessFieldErr(at+".role", "unknown role %q", m.Role)
		}
	}
	if len(input) > 0 { // the conversation ends with input the model never answered
		t := Turn{Messages: input}
		if len(input) == 1 && input[0].Role == openai.ChatMessageRoleUser {
			t = Turn{User: input[0].Content}
		}
		s.Turns = append(s.Turns, t)
	}
	steps := make([]sweStep, len(tr.Trajectory))
	for i, raw := range tr.Trajectory {
		if err := json.Unmarshal(raw, &steps[i]); err != nil {
			return nil, sessFieldErr(fmt.Sprintf("trajectory[%d]", i), "%v", err)
		}
	}
	sweThinkTimes(s, actions, steps)
	rt := readReplayTools(tr.ReplayConfig)
	own, err := sweOwnTools(tr.Tools, rt)
	if err != nil {
		return nil, err
	}
	if used || len(own) > 0 {
		s.Tools = sweTools(own, rt, s.Turns)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// sweThinkTimes sets the think time of the turn after each step to the
// step's execution time. Steps match replies by position when there are as
// many of each, else in order by action.
func sweThinkTimes(s *Session, actions []string, steps []sweStep) {
	j := 0
	for i, a := range actions {
		if i+1 >= len(s.Turns) {
			return
		}
		if len(steps) == len(actions) {
			j = i
		} else {
			for j < len(steps) && steps[j].Action != a {
				j++
			}
		}
		if j >= len(steps) {
			return
		}
		s.Turns[i+1].ThinkMS = math.Round(float64(steps[j].ExecutionTime)*1e6) / 1e3
		j++
	}
}

// sweText reads message content: a string, or a list of text parts.
func sweText(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", fmt.Errorf("want a string or a list of text parts")
	}
	var sb strings.Builder
	for i, p := range parts {
		if p.Type != "text" {
			return "", fmt.Errorf("[%d]: part type %q is not text", i, p.Type)
		}
		sb.WriteString(p.Text)
	}
	return sb.String(), nil
}

// sweArguments reads tool-call arguments: a JSON string, or an object
// (kept as compact JSON).
func sweArguments(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil || buf.Len() == 0 || buf.Bytes()[0] != '{' {
		return "", fmt.Errorf("want a JSON string or object")
	}
	return buf.String(), nil
}
