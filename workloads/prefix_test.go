package workloads

import (
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

func TestWithSharedPrefix(t *testing.T) {
	syn, err := Synthetic{InputTokens: 20, OutputTokens: 5, Seed: 1}.NewSource()
	if err != nil {
		t.Fatal(err)
	}
	src := WithSharedPrefix(syn, 64, 3, 7)
	groups := map[string]int{}
	for i := 0; i < 300; i++ {
		it, err := src.Next()
		if err != nil {
			t.Fatal(err)
		}
		r := it.Request
		if len(r.Messages) != 2 || r.Messages[0].Role != openai.ChatMessageRoleSystem || r.Messages[1].Role != openai.ChatMessageRoleUser {
			t.Fatalf("want system + user messages, got %+v", r.Messages)
		}
		sys := r.Messages[0].Content
		if ApproxTokens(sys) != 64 || r.InputTokens != 84 || ApproxTokens(r.Prompt) != 84 {
			t.Fatalf("prefix %d tokens, input %d, prompt %d; want 64, 84, 84", ApproxTokens(sys), r.InputTokens, ApproxTokens(r.Prompt))
		}
		if !strings.HasPrefix(r.Prompt, sys+"\n\n") || ApproxTokens(r.Messages[1].Content) != 20 {
			t.Fatal("the completions prompt must start with the system prompt and the user message hold the original")
		}
		groups[sys]++
	}
	if len(groups) != 3 {
		t.Fatalf("%d distinct prefixes, want 3", len(groups))
	}
	var firstWords []string
	for sys, n := range groups {
		if n < 60 {
			t.Errorf("group used %d times of 300: not uniform", n)
		}
		firstWords = append(firstWords, strings.Join(strings.Fields(sys)[:keyDigits], " "))
	}
	if firstWords[0] == firstWords[1] || firstWords[1] == firstWords[2] || firstWords[0] == firstWords[2] {
		t.Error("prefixes must differ in their first words")
	}
	got := src.(PrefixReporter).IntendedPrefixReuse()
	if got.PromptTokens != 300*84 || got.ReusableTokens != 297*64 {
		t.Errorf("reuse %+v, want %d of %d", got, 297*64, 300*84)
	}
}

func TestWithSharedPrefixDeterministic(t *testing.T) {
	run := func(seed uint64) []string {
		syn, _ := Synthetic{InputTokens: 5, OutputTokens: 5, Seed: 1}.NewSource()
		src := WithSharedPrefix(syn, 16, 4, seed)
		var out []string
		for i := 0; i < 20; i++ {
			it, _ := src.Next()
			out = append(out, it.Request.Messages[0].Content)
		}
		return out
	}
	a, b, c := run(1), run(1), run(2)
	if strings.Join(a, "|") != strings.Join(b, "|") {
		t.Error("same seed, different prefixes")
	}
	if strings.Join(a, "|") == strings.Join(c, "|") {
		t.Error("different seeds, same prefixes")
	}
}

// trFixedSource hands out copies of one item.
type trFixedSource struct{ it Item }

func (f trFixedSource) Next() (Item, error) { return f.it, nil }

func TestWithSharedPrefixMessages(t *testing.T) {
	sys := openai.ChatCompletionMessage{Role: openai.ChatMessageRoleSystem, Content: "Be brief."}
	user := openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: "Hello there"}
	tests := []struct {
		name      string
		msgs      []openai.ChatCompletionMessage
		wantRoles string
		wantSys   string // suffix of the system content after the prefix
	}{
		{"own system message is merged", []openai.ChatCompletionMessage{sys, user}, "system user", "\n\nBe brief."},
		{"no system message gets one", []openai.ChatCompletionMessage{user}, "system user", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := append([]openai.ChatCompletionMessage(nil), tt.msgs...)
			src := WithSharedPrefix(trFixedSource{Item{Request: Request{Messages: tt.msgs}}}, 8, 1, 0)
			it, _ := src.Next()
			var roles []string
			for _, m := range it.Request.Messages {
				roles = append(roles, m.Role)
			}
			if strings.Join(roles, " ") != tt.wantRoles {
				t.Errorf("roles %v, want %s", roles, tt.wantRoles)
			}
			got := it.Request.Messages[0].Content
			if ApproxTokens(strings.TrimSuffix(got, tt.wantSys)) != 8 || !strings.HasSuffix(got, tt.wantSys) {
				t.Errorf("system content %q", got)
			}
			if tt.msgs[0].Content != orig[0].Content || len(tt.msgs) != len(orig) {
				t.Error("the source's own messages were changed")
			}
		})
	}
}

func TestWithSharedPrefixSessions(t *testing.T) {
	turn2 := Item{Request: Request{Prompt: "second turn here"}, Turn: 2}
	first := Item{Request: Request{Prompt: "first turn here"}, Turn: 1, Then: func(Reply) (Item, time.Duration, bool) {
		return turn2, time.Second, true
	}}
	src := WithSharedPrefix(trFixedSource{first}, 8, 5, 3)
	it, _ := src.Next()
	next, delay, more := it.Then(Reply{OK: true})
	if !more || delay != time.Second {
		t.Fatal("the wrapped Then must pass the session's answer through")
	}
	if next.Request.Messages[0].Content != it.Request.Messages[0].Content {
		t.Error("a session's later turn must keep its first turn's prefix")
	}
	if got := src.(PrefixReporter).IntendedPrefixReuse(); got.ReusableTokens != 8 {
		t.Errorf("the second turn reuses the prefix: %+v", got)
	}
}

func TestWithSharedPrefixOff(t *testing.T) {
	syn, _ := Synthetic{InputTokens: 5, OutputTokens: 5}.NewSource()
	if WithSharedPrefix(syn, 0, 4, 1) != syn {
		t.Error("0 prefix tokens must return the source unchanged")
	}
}
