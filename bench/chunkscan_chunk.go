package bench

import "encoding/json"

// The chunk scanner's grammar: the members of a streamed chunk it keeps,
// object by object. Each object's wanted keys are listed once; the index
// of a key in its list is the case that reads its value.

var (
	topKeys      = []string{"id", "choices", "usage", "error", "timings", "meta_info", "object"}
	choiceKeys   = []string{"delta", "text", "finish_reason", "logprobs"}
	deltaKeys    = []string{"content", "reasoning_content", "reasoning", "tool_calls"}
	toolKeys     = []string{"index", "id", "type", "function"}
	functionKeys = []string{"name", "arguments"}
	logprobKeys  = []string{"content", "tokens"}
	usageKeys    = []string{"prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details"}
	cachedKeys   = []string{"cached_tokens"}
	reasonKeys   = []string{"reasoning_tokens"}
)

func (s *chunkScanner) top(ch *chunk) bool {
	if s.pos >= len(s.data) || s.data[s.pos] != '{' {
		return false // null or another type: encoding/json's verdict
	}
	s.pos++
	return s.members(topKeys, 1, func(k int) bool {
		switch k {
		case 0:
			return s.str(&ch.ID)
		case 1:
			return s.choiceList(ch)
		case 2:
			return s.usageOf(ch)
		case 3:
			return s.raw(&ch.Error)
		case 4:
			return s.raw(&ch.Timings)
		case 5:
			return s.raw(&ch.MetaInfo)
		}
		var raw json.RawMessage
		ok := s.raw(&raw)
		ch.Object = string(raw) == `"error"`
		return ok
	})
}

func (s *chunkScanner) choiceList(ch *chunk) bool {
	return list(s, &s.choices, &ch.Choices, s.choice)
}

// list reads an array of objects into *dst, a slice of the scanner's
// storage *store, each element with elem (given its index in *store); null
// leaves *dst. An empty array is an empty, not a nil, slice, as in
// encoding/json.
func list[T any](s *chunkScanner, store *[]T, dst *[]T, elem func(i int) bool) bool {
	if *store == nil {
		*store = make([]T, 0, 2)
	}
	start := len(*store)
	_, present, ok := s.array(func() bool {
		var zero T
		*store = append(*store, zero)
		return elem(len(*store) - 1)
	})
	if present && ok {
		n := len(*store)
		*dst = (*store)[start:n:n]
	}
	return ok
}

func (s *chunkScanner) choice(i int) bool {
	_, ok := s.object(choiceKeys, 3, func(k int) bool {
		c := &s.choices[i]
		switch k {
		case 0:
			return s.delta(i)
		case 1:
			return s.str(&c.Text)
		case 2:
			return s.str(&c.FinishReason)
		}
		return s.logprobs(i)
	})
	return ok
}

func (s *chunkScanner) delta(i int) bool {
	_, ok := s.object(deltaKeys, 4, func(k int) bool {
		d := &s.choices[i].Delta
		switch k {
		case 0:
			return s.str(&d.Content)
		case 1:
			return s.str(&d.ReasoningContent)
		case 2:
			return s.str(&d.Reasoning)
		}
		return s.toolCalls(i)
	})
	return ok
}

func (s *chunkScanner) toolCalls(i int) bool {
	return list(s, &s.tools, &s.choices[i].Delta.ToolCalls, s.toolCall)
}

func (s *chunkScanner) toolCall(j int) bool {
	_, ok := s.object(toolKeys, 6, func(k int) bool {
		t := &s.tools[j]
		switch k {
		case 0:
			return s.intPtr(&t.Index)
		case 1:
			return s.str(&t.ID)
		case 2:
			return s.str(&t.Type)
		}
		return s.function(j)
	})
	return ok
}

func (s *chunkScanner) function(j int) bool {
	_, ok := s.object(functionKeys, 7, func(k int) bool {
		fn := &s.tools[j].Function
		if k == 0 {
			return s.str(&fn.Name)
		}
		return s.str(&fn.Arguments)
	})
	return ok
}

func (s *chunkScanner) logprobs(i int) bool {
	if s.pos < len(s.data) && s.data[s.pos] == 'n' {
		return s.null() // no storage for a null, the usual value
	}
	k := len(s.lps)
	s.lps = append(s.lps, chunkLogprobs{})
	_, ok := s.object(logprobKeys, 4, func(m int) bool {
		if m == 0 {
			return s.entries(&s.lps[k].Content)
		}
		return s.entries(&s.lps[k].Tokens)
	})
	if ok {
		s.choices[i].Logprobs = &s.lps[k]
	}
	return ok
}

// entries counts the elements of an array (null: none), whatever they are.
func (s *chunkScanner) entries(dst *entryCount) bool {
	n, _, ok := s.array(func() bool { return s.skip(5) })
	if ok {
		*dst = entryCount(n)
	}
	return ok
}

func (s *chunkScanner) usageOf(ch *chunk) bool {
	s.usage = usage{}
	u := &s.usage
	present, ok := s.object(usageKeys, 2, func(k int) bool {
		switch k {
		case 0:
			return s.intVal(&u.PromptTokens)
		case 1:
			return s.intVal(&u.CompletionTokens)
		case 2:
			return details(s, &u.PromptTokensDetails, &s.pd, &s.pd.CachedTokens, cachedKeys)
		}
		return details(s, &u.CompletionTokensDetails, &s.cd, &s.cd.ReasoningTokens, reasonKeys)
	})
	if present && ok {
		ch.Usage = u
	}
	return ok
}

// details reads a usage details object, v, whose one wanted member,
// keys[0], is a token count, *count (a field of v); *dst points at v, or is
// nil for JSON null. Other members are checked and skipped.
func details[T any](s *chunkScanner, dst **T, v *T, count **int, keys []string) bool {
	var zero T
	*v = zero
	present, ok := s.object(keys, 3, func(int) bool { return s.intPtr(count) })
	if ok {
		*dst = nil
		if present {
			*dst = v
		}
	}
	return ok
}
