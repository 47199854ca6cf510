package sim

import "slices"

// chatLogprobs is the logprobs of a chat choice or chunk: one entry per
// token, so a client can count the tokens of each event exactly.
type chatLogprobs struct {
	Content []tokenLogprob `json:"content"`
}

type tokenLogprob struct {
	Token       string       `json:"token"`
	Logprob     float64      `json:"logprob"`
	Bytes       []int        `json:"bytes"`
	TopLogprobs []topLogprob `json:"top_logprobs"`
}

type topLogprob struct {
	Token   string  `json:"token"`
	Logprob float64 `json:"logprob"`
	Bytes   []int   `json:"bytes"`
}

// completionLogprobs is the legacy completions shape: parallel lists.
type completionLogprobs struct {
	TextOffset    []int                `json:"text_offset"`
	TokenLogprobs []float64            `json:"token_logprobs"`
	Tokens        []string             `json:"tokens"`
	TopLogprobs   []map[string]float64 `json:"top_logprobs"`
}

// logprobs returns the logprobs of tokens from to to, in the shape of the
// request's API, or nil (JSON null) when the request did not ask for them.
func (r *response) logprobs(a answer, from, to int) any {
	if !r.req.logprobs {
		return nil
	}
	if r.req.api == chatAPI {
		lp := chatLogprobs{Content: make([]tokenLogprob, 0, to-from)}
		for i := from; i < to; i++ {
			tok, p := a.word(i), a.logprob(i)
			e := tokenLogprob{Token: tok, Logprob: p, Bytes: byteList(tok), TopLogprobs: []topLogprob{}}
			for j, alt := range a.alternatives(i, r.req.topLogprobs) {
				e.TopLogprobs = append(e.TopLogprobs, topLogprob{Token: alt, Logprob: altLogprob(p, j), Bytes: byteList(alt)})
			}
			lp.Content = append(lp.Content, e)
		}
		return lp
	}
	lp := completionLogprobs{TextOffset: []int{}, TokenLogprobs: []float64{}, Tokens: []string{}, TopLogprobs: []map[string]float64{}}
	offset := len(a.textRange(0, from))
	for i := from; i < to; i++ {
		tok, p := a.word(i), a.logprob(i)
		lp.TextOffset = append(lp.TextOffset, offset)
		lp.TokenLogprobs = append(lp.TokenLogprobs, p)
		lp.Tokens = append(lp.Tokens, tok)
		top := map[string]float64{}
		for j, alt := range a.alternatives(i, r.req.topLogprobs) {
			top[alt] = altLogprob(p, j)
		}
		lp.TopLogprobs = append(lp.TopLogprobs, top)
		offset += len(tok)
	}
	return lp
}

// alternatives are the n most likely tokens at position i: the sampled one,
// then other words.
func (a answer) alternatives(i, n int) []string {
	alts := make([]string, 0, n)
	for j := 0; len(alts) < n; j++ {
		w := a.word(i)
		if j > 0 {
			w = wordAt(a.key^0xbb67ae8584caa73b, i*maxLogprobs*2+j)
		}
		if !slices.Contains(alts, w) {
			alts = append(alts, w)
		}
	}
	return alts
}

// altLogprob is the log probability of the j-th alternative: the sampled
// token's first, the others decreasing.
func altLogprob(p float64, j int) float64 { return p - float64(j)*0.75 }

// byteList is the UTF-8 bytes of s as a JSON array of numbers.
func byteList(s string) []int {
	b := make([]int, len(s))
	for i := range len(s) {
		b[i] = int(s[i])
	}
	return b
}
