package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tokenbench/tokenbench/workloads"
)

// The engine's vocabulary, for vLLM's POST /tokenize and /detokenize:
// token i < len(workloads.Words) is that word (the words the engine says),
// any other piece of text an id drawn from its hash in [len(Words),
// vocab). Counts are exactly what the engine charges as prompt tokens
// (workloads.ApproxTokens of the texts, chat texts as chatTexts lists
// them), so that a client calibrating its prompts against /tokenize lands
// on usage.prompt_tokens.
var wordIDs = func() map[string]int {
	m := make(map[string]int, len(workloads.Words))
	for i, w := range workloads.Words {
		if _, ok := m[w]; !ok {
			m[w] = i
		}
	}
	return m
}()

// tokenizeBody is vLLM's tokenize request: a completions prompt, or chat
// messages (with tools); the flags that change a real tokenizer's count
// (special tokens, generation prompt) change nothing here, which has no
// special tokens and no chat template.
type tokenizeBody struct {
	Model               string                         `json:"model"`
	Prompt              *string                        `json:"prompt"`
	Messages            []openai.ChatCompletionMessage `json:"messages"`
	Tools               json.RawMessage                `json:"tools"`
	AddSpecialTokens    *bool                          `json:"add_special_tokens"`
	AddGenerationPrompt *bool                          `json:"add_generation_prompt"`
	ReturnTokenStrs     bool                           `json:"return_token_strs"`
}

type tokenizeResponse struct {
	Count       int      `json:"count"`
	MaxModelLen int      `json:"max_model_len"`
	Tokens      []int    `json:"tokens"`
	TokenStrs   []string `json:"token_strs"`
}

func (e *Engine) handleTokenize(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		writeError(w, badRequest("reading the body: %v", err))
		return
	}
	var b tokenizeBody
	if err := unmarshal(raw, &b); err != nil {
		writeError(w, err)
		return
	}
	if b.Model != "" && b.Model != e.served {
		writeError(w, e.unknownModel(b.Model))
		return
	}
	var texts []string
	switch {
	case b.Prompt != nil && b.Messages != nil:
		writeError(w, badRequest("give prompt or messages, not both"))
		return
	case b.Prompt != nil:
		texts = []string{*b.Prompt}
	case b.Messages != nil:
		t, err := parseTools(b.Tools, nil)
		if err != nil {
			writeError(w, err)
			return
		}
		texts = chatTexts(b.Messages, b.Tools, len(t.defs) > 0)
	default:
		writeError(w, badParam("prompt", "prompt (a string) or messages (a list) is required"))
		return
	}
	resp := tokenizeResponse{MaxModelLen: e.cfg.MaxModelLen, Tokens: []int{}}
	for _, t := range texts {
		for _, piece := range tokenPieces(t) {
			resp.Tokens = append(resp.Tokens, e.tokenID(piece))
			if b.ReturnTokenStrs {
				resp.TokenStrs = append(resp.TokenStrs, piece)
			}
		}
	}
	resp.Count = len(resp.Tokens)
	writeJSON(w, http.StatusOK, resp)
}

func (e *Engine) handleDetokenize(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		writeError(w, badRequest("reading the body: %v", err))
		return
	}
	var b struct {
		Model  string `json:"model"`
		Tokens []int  `json:"tokens"`
	}
	if err := unmarshal(raw, &b); err != nil {
		writeError(w, err)
		return
	}
	if b.Model != "" && b.Model != e.served {
		writeError(w, e.unknownModel(b.Model))
		return
	}
	var s strings.Builder
	for i, id := range b.Tokens {
		if id < 0 || id >= e.dep.Model.Vocab {
			writeError(w, badParam("tokens", "token id %d is out of vocabulary (0 to %d).", id, e.dep.Model.Vocab-1))
			return
		}
		if i > 0 {
			s.WriteByte(' ')
		}
		if id < len(workloads.Words) {
			s.WriteString(workloads.Words[id])
		} else {
			fmt.Fprintf(&s, "<|%d|>", id) // a hashed piece: the text is not kept
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"prompt": s.String()})
}

// tokenPieces cuts text into its workloads.ApproxTokens(text) tokens: each
// word in pieces of up to six characters.
func tokenPieces(text string) []string {
	var pieces []string
	for _, w := range strings.Fields(text) {
		for len(w) > 0 {
			n, cut := 0, len(w)
			for i := range w {
				if n == 6 {
					cut = i
					break
				}
				n++
			}
			pieces = append(pieces, w[:cut])
			w = w[cut:]
		}
	}
	return pieces
}

// tokenID is the id of a piece: its index among the engine's words, else
// one drawn from its hash among the rest of the vocabulary.
func (e *Engine) tokenID(piece string) int {
	if id, ok := wordIDs[piece]; ok {
		return id
	}
	rest := uint64(max(e.dep.Model.Vocab-len(workloads.Words), 1))
	return len(workloads.Words) + int(tokenHash(piece)%rest)
}
