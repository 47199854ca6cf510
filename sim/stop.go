package sim

import (
	"encoding/json"
	"strings"
)

// parseStop reads the stop field: null, a string or a list of strings.
// Like vLLM, it refuses an empty stop string.
func parseStop(raw json.RawMessage) ([]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		if one == "" {
			return nil, badParam("stop", "stop cannot contain an empty string.")
		}
		return []string{one}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, badParam("stop", "stop: want a string or a list of strings, got %s", truncate(raw, 40))
	}
	for _, s := range list {
		if s == "" {
			return nil, badParam("stop", "stop cannot contain an empty string.")
		}
	}
	return list, nil
}

// applyStop ends a text answer at the first stop string it says, as vLLM's
// detokenizer does: the answer then has the tokens up to the one that
// completes the stop string, finish_reason "stop" and stop_reason the
// string, and its text is cut before the string. As in vLLM, no stop
// string ends an answer before min_tokens tokens.
func applyStop(a *answer, stops []string, minTokens int) {
	if len(stops) == 0 || a.call != nil {
		return
	}
	text := a.text()
	ends := make([]int, a.tokens) // ends[i]: where token i's text ends
	off := 0
	for i := range a.tokens {
		off += len(a.word(i))
		ends[i] = off
	}
	bestTok, bestAt, bestStop := a.tokens, 0, ""
	for _, s := range stops {
		for from := 0; ; {
			j := strings.Index(text[from:], s)
			if j < 0 {
				break
			}
			at := from + j
			// The token whose text completes the stop string.
			tok := searchEnds(ends, at+len(s))
			if tok+1 >= minTokens {
				if tok < bestTok || (tok == bestTok && at < bestAt) {
					bestTok, bestAt, bestStop = tok, at, s
				}
				break
			}
			from = at + 1
		}
	}
	if bestTok == a.tokens {
		return
	}
	a.tokens, a.reason, a.stopString, a.cut = bestTok+1, reasonStop, bestStop, bestAt
}

// searchEnds is the first token whose text ends at or after offset.
func searchEnds(ends []int, offset int) int {
	lo, hi := 0, len(ends)
	for lo < hi {
		m := (lo + hi) / 2
		if ends[m] >= offset {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}
