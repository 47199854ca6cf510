package workloads

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

func init() { register("sharegpt", openShareGPT) }

// ShareGPTMinTokens is the shortest prompt or reply (in ApproxTokens) kept
// from a ShareGPT file; shorter ones are skipped and counted, as vLLM's
// benchmark loader drops sequences under 4 tokens.
const ShareGPTMinTokens = 4

// shareGPTHuman and shareGPTModel are the speaker names ShareGPT dumps use
// for the user and for the model.
var (
	shareGPTHuman = map[string]bool{"human": true, "user": true}
	shareGPTModel = map[string]bool{"gpt": true, "chatgpt": true, "assistant": true, "bard": true, "bing": true, "model": true}
)

type shareGPTTurn struct {
	From  string `json:"from"`
	Value string `json:"value"`
}

type shareGPTEntry struct {
	Conversations []shareGPTTurn `json:"conversations"`
}

func openShareGPT(s Spec) (Source, error) {
	data, err := readInput("sharegpt", s.Path)
	if err != nil {
		return nil, err
	}
	return parseShareGPT(s.Path, data, s.MaxTokens)
}

// parseShareGPT reads a ShareGPT JSON array ([{"id", "conversations":
// [{"from", "value"}, ...]}, ...]) into a cycling source. The first human
// turn is the prompt; the model's reply that follows gives the output length
// (max_tokens, as vLLM's loader does). Conversations without a reply (some
// published slices keep only the first turn) are kept, with maxTokens as
// their output length (0 leaves it to the server), and counted in the notes.
func parseShareGPT(name string, data []byte, maxTokens int) (Source, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, shareGPTError(name, data, dec.InputOffset(), err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fileError(name, 1, "", errors.New("want a JSON array of conversations"))
	}
	rep := FileReport{Path: name}
	skipped := skips{}
	noReply := 0
	var items []Item
	for dec.More() {
		start := dec.InputOffset()
		var e *shareGPTEntry
		if err := dec.Decode(&e); err != nil {
			return nil, shareGPTError(name, data, start, err)
		}
		rep.Records++
		it, reason := shareGPTItem(e, maxTokens)
		if reason != "" {
			skipped[reason]++
			continue
		}
		if !hasReply(e) {
			noReply++
		}
		items = append(items, it)
	}
	if _, err := dec.Token(); err != nil { // the closing ']'
		return nil, shareGPTError(name, data, dec.InputOffset(), err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fileError(name, lineAt(data, dec.InputOffset()), "", errors.New("data after the closing ]"))
	}
	rep.Skipped = skipped.list()
	if noReply > 0 {
		out := "left to the server"
		if maxTokens > 0 {
			out = fmt.Sprintf("max tokens %d", maxTokens)
		}
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d conversations have no reply: output length %s", noReply, out))
	}
	if len(items) == 0 {
		return nil, fileError(name, 0, "", fmt.Errorf("no usable conversations among %d (%s)", rep.Records, skipSummary(rep.Skipped)))
	}
	return newCycling(items, rep), nil
}

// shareGPTError names the line of a JSON error: where json says it is, else
// where the entry being read starts.
func shareGPTError(name string, data []byte, start int64, err error) error {
	off := start
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	field, msg := jsonProblem(err)
	return fileError(name, lineAt(data, off), field, msg)
}

// shareGPTItem builds the request of one entry, or says why it is skipped.
func shareGPTItem(e *shareGPTEntry, maxTokens int) (Item, string) {
	if e == nil || len(e.Conversations) == 0 {
		return Item{}, "no conversation"
	}
	h := firstHuman(e)
	if h < 0 {
		return Item{}, "no human turn"
	}
	prompt := e.Conversations[h].Value
	if ApproxTokens(prompt) < ShareGPTMinTokens {
		return Item{}, fmt.Sprintf("prompt under %d tokens", ShareGPTMinTokens)
	}
	out := maxTokens
	if hasReply(e) {
		out = ApproxTokens(e.Conversations[h+1].Value)
		if out < ShareGPTMinTokens {
			return Item{}, fmt.Sprintf("reply under %d tokens", ShareGPTMinTokens)
		}
	}
	return Item{Request: Request{Prompt: prompt, MaxTokens: out}}, ""
}

func firstHuman(e *shareGPTEntry) int {
	for i, t := range e.Conversations {
		if shareGPTHuman[strings.ToLower(t.From)] {
			return i
		}
	}
	return -1
}

// hasReply reports whether the first human turn is answered by the model.
func hasReply(e *shareGPTEntry) bool {
	h := firstHuman(e)
	return h >= 0 && h+1 < len(e.Conversations) && shareGPTModel[strings.ToLower(e.Conversations[h+1].From)]
}
