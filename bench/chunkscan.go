package bench

import (
	"encoding/json"
	"strings"
)

// chunkScanner decodes the JSON of one streamed event into a chunk without
// allocating: it scans the bytes once, validating them as strictly as
// encoding/json, and keeps only the fields a chunk has. Whatever it does
// not recognise (a type encoding/json would refuse, a key that differs
// from a field's name only in case, a repeated field, escapes in a key,
// deep nesting, invalid JSON) it hands to json.Unmarshal, so that results
// and errors stay exactly encoding/json's (FuzzChunkScanner compares the
// two on every input the scanner accepts).
//
// Why not github.com/buger/jsonparser or github.com/valyala/fastjson: both
// are lenient (jsonparser validates only what it visits; fastjson accepts
// numbers such as "1-2" and strings with control characters), so keeping
// encoding/json's verdict on every event would take a second, validating
// pass (json.Valid alone costs more than this whole scan); see
// docs/BENCHMARKS.md.
//
// The strings and raw values of a decoded chunk point into the event's
// bytes (or the scanner's scratch buffer for unescaped strings): they are
// valid until the next event. Client.observe copies what it keeps.
type chunkScanner struct {
	data    []byte
	pos     int
	scratch []byte // unescaped strings of the current event

	// Storage the chunk's slices and pointers refer to, reused per event.
	choices []chunkChoice
	lps     []chunkLogprobs
	tools   []toolCallDelta
	ints    []int
	usage   usage
	pd      promptDetails
	cd      completionDetails
}

// maxScanDepth bounds the nesting the scanner follows; deeper values go to
// encoding/json (which allows 10,000 levels).
const maxScanDepth = 64

// decode decodes data, one event's JSON value, into ch; ch's strings are
// valid until the next call. The error is json.Unmarshal's.
func (s *chunkScanner) decode(data []byte, ch *chunk) error {
	if s.scan(data, ch) {
		return nil
	}
	*ch = chunk{}
	return json.Unmarshal(data, ch)
}

// scan decodes data into ch and reports whether it could; false means
// encoding/json must decode it.
func (s *chunkScanner) scan(data []byte, ch *chunk) bool {
	s.data, s.pos = data, 0
	s.scratch = s.scratch[:0]
	s.choices, s.lps, s.tools, s.ints = s.choices[:0], s.lps[:0], s.tools[:0], s.ints[:0]
	*ch = chunk{}
	s.ws()
	if !s.top(ch) {
		return false
	}
	s.ws()
	return s.pos == len(s.data)
}

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

// fields tracks the members of one object: which wanted keys were seen
// (a repeated one goes to encoding/json, which merges repeats).
type fields struct {
	n    int
	seen uint16
}

// once marks wanted key k seen, and reports false if it was already.
func (f *fields) once(k int) bool {
	if f.seen&(1<<k) != 0 {
		return false
	}
	f.seen |= 1 << k
	return true
}

// member moves to the next member of an object whose '{' was consumed:
// it returns its key (the value follows), or more == false at the '}'.
func (s *chunkScanner) member(f *fields) (key []byte, more, ok bool) {
	s.ws()
	if s.pos >= len(s.data) {
		return nil, false, false
	}
	if f.n > 0 {
		switch s.data[s.pos] {
		case '}':
			s.pos++
			return nil, false, true
		case ',':
			s.pos++
			s.ws()
		default:
			return nil, false, false
		}
	} else if s.data[s.pos] == '}' {
		s.pos++
		return nil, false, true
	}
	f.n++
	if s.pos >= len(s.data) || s.data[s.pos] != '"' {
		return nil, false, false
	}
	start := s.pos + 1
	esc, ok := s.skipString()
	if !ok || esc {
		return nil, false, false // a key with escapes may unescape to a field's name
	}
	key = s.data[start : s.pos-1]
	s.ws()
	if s.pos >= len(s.data) || s.data[s.pos] != ':' {
		return nil, false, false
	}
	s.pos++
	s.ws()
	return key, true, true
}

// other skips the value of a key that is none of wanted; a key that
// encoding/json would match to one of them (it ignores case) is not. Keys
// reach here in ASCII without escapes (member hands the others to
// encoding/json), so only one with an upper-case letter can match.
func (s *chunkScanner) other(key []byte, wanted []string, depth int) bool {
	for _, c := range key {
		if 'A' <= c && c <= 'Z' {
			for _, w := range wanted {
				if strings.EqualFold(view(key), w) {
					return false
				}
			}
			break
		}
	}
	return s.skip(depth)
}

// open consumes '{' (true) or null (false, with ok); anything else fails.
func (s *chunkScanner) open(c byte) (isOpen, ok bool) {
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true, true
	}
	return false, s.null()
}

func (s *chunkScanner) top(ch *chunk) bool {
	if s.pos >= len(s.data) || s.data[s.pos] != '{' {
		return false // null or another type: encoding/json's verdict
	}
	s.pos++
	var f fields
	for {
		key, more, ok := s.member(&f)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		switch string(key) {
		case "id":
			ok = f.once(0) && s.str(&ch.ID)
		case "choices":
			ok = f.once(1) && s.choiceList(ch)
		case "usage":
			ok = f.once(2) && s.usageOf(ch)
		case "error":
			ok = f.once(3) && s.raw(&ch.Error)
		case "timings":
			ok = f.once(4) && s.raw(&ch.Timings)
		case "meta_info":
			ok = f.once(5) && s.raw(&ch.MetaInfo)
		case "object":
			var raw json.RawMessage
			ok = f.once(6) && s.raw(&raw)
			ch.Object = string(raw) == `"error"`
		default:
			ok = s.other(key, topKeys, 1)
		}
		if !ok {
			return false
		}
	}
}

func (s *chunkScanner) choiceList(ch *chunk) bool {
	isOpen, ok := s.open('[')
	if !isOpen {
		return ok
	}
	if s.choices == nil {
		s.choices = make([]chunkChoice, 0, 2)
	}
	start := len(s.choices)
	for n := 0; ; n++ {
		more, ok := s.element(n)
		if !ok {
			return false
		}
		if !more {
			break
		}
		s.choices = append(s.choices, chunkChoice{})
		if !s.choice(len(s.choices) - 1) {
			return false
		}
	}
	ch.Choices = s.choices[start:len(s.choices):len(s.choices)]
	return true
}

// element moves to the next element of an array whose '[' was consumed;
// more == false at the ']'.
func (s *chunkScanner) element(n int) (more, ok bool) {
	s.ws()
	if s.pos >= len(s.data) {
		return false, false
	}
	if s.data[s.pos] == ']' {
		s.pos++
		return false, true
	}
	if n > 0 {
		if s.data[s.pos] != ',' {
			return false, false
		}
		s.pos++
		s.ws()
	}
	return true, true
}

func (s *chunkScanner) choice(i int) bool {
	isOpen, ok := s.open('{')
	if !isOpen {
		return ok
	}
	var f fields
	for {
		key, more, ok := s.member(&f)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		c := &s.choices[i]
		switch string(key) {
		case "delta":
			ok = f.once(0) && s.delta(i)
		case "text":
			ok = f.once(1) && s.str(&c.Text)
		case "finish_reason":
			ok = f.once(2) && s.str(&c.FinishReason)
		case "logprobs":
			ok = f.once(3) && s.logprobs(i)
		default:
			ok = s.other(key, choiceKeys, 3)
		}
		if !ok {
			return false
		}
	}
}

func (s *chunkScanner) delta(i int) bool {
	isOpen, ok := s.open('{')
	if !isOpen {
		return ok
	}
	var f fields
	for {
		key, more, ok := s.member(&f)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		d := &s.choices[i].Delta
		switch string(key) {
		case "content":
			ok = f.once(0) && s.str(&d.Content)
		case "reasoning_content":
			ok = f.once(1) && s.str(&d.ReasoningContent)
		case "reasoning":
			ok = f.once(2) && s.str(&d.Reasoning)
		case "tool_calls":
			ok = f.once(3) && s.toolCalls(i)
		default:
			ok = s.other(key, deltaKeys, 4)
		}
		if !ok {
			return false
		}
	}
}

func (s *chunkScanner) toolCalls(i int) bool {
	isOpen, ok := s.open('[')
	if !isOpen {
		return ok
	}
	if s.tools == nil {
		s.tools = make([]toolCallDelta, 0, 2)
	}
	start := len(s.tools)
	for n := 0; ; n++ {
		more, ok := s.element(n)
		if !ok {
			return false
		}
		if !more {
			break
		}
		s.tools = append(s.tools, toolCallDelta{})
		if !s.toolCall(len(s.tools) - 1) {
			return false
		}
	}
	s.choices[i].Delta.ToolCalls = s.tools[start:len(s.tools):len(s.tools)]
	return true
}

func (s *chunkScanner) toolCall(j int) bool {
	isOpen, ok := s.open('{')
	if !isOpen {
		return ok
	}
	var f fields
	for {
		key, more, ok := s.member(&f)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		t := &s.tools[j]
		switch string(key) {
		case "index":
			ok = f.once(0) && s.intPtr(&t.Index)
		case "id":
			ok = f.once(1) && s.str(&t.ID)
		case "type":
			ok = f.once(2) && s.str(&t.Type)
		case "function":
			ok = f.once(3) && s.function(j)
		default:
			ok = s.other(key, toolKeys, 6)
		}
		if !ok {
			return false
		}
	}
}

func (s *chunkScanner) function(j int) bool {
	isOpen, ok := s.open('{')
	if !isOpen {
		return ok
	}
	var f fields
	for {
		key, more, ok := s.member(&f)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		fn := &s.tools[j].Function
		switch string(key) {
		case "name":
			ok = f.once(0) && s.str(&fn.Name)
		case "arguments":
			ok = f.once(1) && s.str(&fn.Arguments)
		default:
			ok = s.other(key, functionKeys, 7)
		}
		if !ok {
			return false
		}
	}
}

func (s *chunkScanner) logprobs(i int) bool {
	isOpen, ok := s.open('{')
	if !isOpen {
		return ok
	}
	s.lps = append(s.lps, chunkLogprobs{})
	k := len(s.lps) - 1
	var f fields
	for {
		key, more, ok := s.member(&f)
		if !ok {
			return false
		}
		if !more {
			break
		}
		switch string(key) {
		case "content":
			ok = f.once(0) && s.entries(&s.lps[k].Content)
		case "tokens":
			ok = f.once(1) && s.entries(&s.lps[k].Tokens)
		default:
			ok = s.other(key, logprobKeys, 4)
		}
		if !ok {
			return false
		}
	}
	s.choices[i].Logprobs = &s.lps[k]
	return true
}

// entries counts the elements of an array (null: none), whatever they are.
func (s *chunkScanner) entries(dst *entryCount) bool {
	isOpen, ok := s.open('[')
	if !isOpen {
		if ok {
			*dst = 0
		}
		return ok
	}
	n := 0
	for ; ; n++ {
		more, ok := s.element(n)
		if !ok {
			return false
		}
		if !more {
			break
		}
		if !s.skip(5) {
			return false
		}
	}
	*dst = entryCount(n)
	return true
}

func (s *chunkScanner) usageOf(ch *chunk) bool {
	isOpen, ok := s.open('{')
	if !isOpen {
		return ok
	}
	s.usage = usage{}
	u := &s.usage
	var f fields
	for {
		key, more, ok := s.member(&f)
		if !ok {
			return false
		}
		if !more {
			break
		}
		switch string(key) {
		case "prompt_tokens":
			ok = f.once(0) && s.intVal(&u.PromptTokens)
		case "completion_tokens":
			ok = f.once(1) && s.intVal(&u.CompletionTokens)
		case "prompt_tokens_details":
			ok = f.once(2) && s.details(&u.PromptTokensDetails)
		case "completion_tokens_details":
			ok = f.once(3) && s.details2(&u.CompletionTokensDetails)
		default:
			ok = s.other(key, usageKeys, 2)
		}
		if !ok {
			return false
		}
	}
	ch.Usage = u
	return true
}

func (s *chunkScanner) details(dst **promptDetails) bool {
	s.pd = promptDetails{}
	return s.countObject(&s.pd.CachedTokens, cachedKeys, func(present bool) {
		*dst = nil
		if present {
			*dst = &s.pd
		}
	})
}

func (s *chunkScanner) details2(dst **completionDetails) bool {
	s.cd = completionDetails{}
	return s.countObject(&s.cd.ReasoningTokens, reasonKeys, func(present bool) {
		*dst = nil
		if present {
			*dst = &s.cd
		}
	})
}

// countObject reads a usage details object whose one wanted member,
// keys[0], is a token count, into *count; set hears whether the object was
// there (false for JSON null). Other members are checked and skipped.
func (s *chunkScanner) countObject(count **int, keys []string, set func(present bool)) bool {
	isOpen, ok := s.open('{')
	if !isOpen {
		if ok {
			set(false)
		}
		return ok
	}
	var f fields
	for {
		key, more, ok := s.member(&f)
		if !ok {
			return false
		}
		if !more {
			break
		}
		if string(key) == keys[0] {
			ok = f.once(0) && s.intPtr(count)
		} else {
			ok = s.other(key, keys, 3)
		}
		if !ok {
			return false
		}
	}
	set(true)
	return true
}
