package workloads

import (
	"math/rand/v2"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// WithSharedPrefix returns src with a shared system prompt before every
// request: one of groups distinct prompts of tokens tokens each, chosen per
// request uniformly at random from seed (so about 1/groups of the requests
// share each one). The prompt goes into Messages as the system message
// (merged into the request's own system message when it has one) and before
// Prompt for the completions API. Later turns of a session keep the prefix
// of their first turn. The returned Source reports the reuse it intends
// (PrefixReporter): every request after the first of its group could be
// served its whole prefix from cache (engines caching whole blocks serve
// the prefix rounded down to their block size). tokens <= 0 returns src
// unchanged; groups < 1 counts as 1.
//
// The prompts are Words, so ApproxTokens counts exactly tokens for each, and
// they differ from their first words on (see trace_blocks.go).
func WithSharedPrefix(src Source, tokens, groups int, seed uint64) Source {
	if tokens <= 0 {
		return src
	}
	groups = max(groups, 1)
	return &sharedPrefix{
		src:      src,
		tokens:   tokens,
		seed:     seed,
		rng:      rand.New(rand.NewPCG(seed, domainPrefix)),
		prefixes: make([]string, groups),
		seen:     make([]bool, groups),
	}
}

type sharedPrefix struct {
	src    Source
	tokens int
	seed   uint64
	rng    *rand.Rand // used by Next only

	mu       sync.Mutex // guards the rest: Then runs on runner goroutines
	prefixes []string   // built on first use
	seen     []bool
	prompt   int
	reusable int
}

func (p *sharedPrefix) Next() (Item, error) {
	it, err := p.src.Next()
	if err != nil {
		return it, err
	}
	return p.apply(it, p.rng.IntN(len(p.prefixes))), nil
}

// IntendedPrefixReuse implements PrefixReporter.
func (p *sharedPrefix) IntendedPrefixReuse() PrefixStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return newPrefixStats(p.prompt, p.reusable)
}

// apply puts group g's prefix before the request of it (and of its
// session's later turns) and counts it.
func (p *sharedPrefix) apply(it Item, g int) Item {
	p.mu.Lock()
	text := p.prefixes[g]
	if text == "" {
		text = blockText(blockKey(uint64(g), p.seed, domainPrefix), p.tokens)
		p.prefixes[g] = text
	}
	if p.seen[g] {
		p.reusable += p.tokens
	}
	p.seen[g] = true
	p.prompt += p.tokens + requestTokens(it.Request)
	p.mu.Unlock()

	r := &it.Request
	if r.InputTokens > 0 {
		r.InputTokens += p.tokens
	}
	msgs := make([]openai.ChatCompletionMessage, 0, len(r.Messages)+2)
	switch {
	case len(r.Messages) == 0:
		msgs = append(msgs,
			openai.ChatCompletionMessage{Role: openai.ChatMessageRoleSystem, Content: text},
			openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: r.Prompt})
	case r.Messages[0].Role == openai.ChatMessageRoleSystem && r.Messages[0].MultiContent == nil:
		sys := r.Messages[0]
		sys.Content = text + "\n\n" + sys.Content
		msgs = append(append(msgs, sys), r.Messages[1:]...)
	default:
		msgs = append(append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleSystem, Content: text}), r.Messages...)
	}
	r.Messages = msgs
	if r.Prompt != "" {
		r.Prompt = text + "\n\n" + r.Prompt
	}
	if then := it.Then; then != nil {
		it.Then = func(rep Reply) (Item, time.Duration, bool) {
			next, delay, more := then(rep)
			if more {
				next = p.apply(next, g)
			}
			return next, delay, more
		}
	}
	return it
}

// requestTokens is the intended prompt length of r: InputTokens when the
// workload set it, else an ApproxTokens estimate of its text.
func requestTokens(r Request) int {
	if r.InputTokens > 0 {
		return r.InputTokens
	}
	if len(r.Messages) == 0 {
		return ApproxTokens(r.Prompt)
	}
	n := 0
	for _, m := range r.Messages {
		n += ApproxTokens(m.Content)
		for _, part := range m.MultiContent {
			n += ApproxTokens(part.Text)
		}
	}
	return n
}
