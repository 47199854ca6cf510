package bench

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tokenbench/tokenbench/workloads"
)

// AdaptTarget sends one short request that forces its output length the
// way the workloads do (max_tokens, ignore_eos, min_tokens). When the
// server refuses it (HTTP 400 or 422) and the error names a field, the
// field is dropped or renamed and the request tried again, a few times:
// min_tokens and ignore_eos are engine extensions that OpenAI's own API
// and strict servers reject, and newer OpenAI models want
// max_completion_tokens. It returns the target to use and a note per
// change, for the user and run.json. Any other outcome leaves the target
// as it was: the run itself will record what goes wrong.
func AdaptTarget(ctx context.Context, t Target, opts ...ClientOption) (Target, []string) {
	var notes []string
	probe := workloads.Request{Prompt: "Say hello.", MaxTokens: 4, ForceLength: true}
	for try := 0; try < 4; try++ {
		c, err := NewClient(t, opts...)
		if err != nil {
			return t, notes
		}
		now := time.Now()
		rec, _ := c.Do(ctx, probe, now, now)
		if rec.OK || (rec.Status != http.StatusBadRequest && rec.Status != http.StatusUnprocessableEntity) {
			return t, notes
		}
		msg := strings.ToLower(rec.Error)
		changed := false
		drop := func(field string) {
			if !slices.Contains(t.Omit, field) {
				t.Omit = append(t.Omit, field)
				notes = append(notes, fmt.Sprintf("the server refused %s (HTTP %d: %s): not sent; output lengths may end early at EOS", field, rec.Status, truncate(rec.Error, 160)))
				changed = true
			}
		}
		switch {
		case strings.Contains(msg, "min_tokens"):
			drop("min_tokens")
		case strings.Contains(msg, "ignore_eos"):
			drop("ignore_eos")
		case strings.Contains(msg, "max_tokens") && !t.MaxCompletionTokens && t.API != APICompletions:
			// e.g. OpenAI: "Unsupported parameter: 'max_tokens' is not
			// supported with this model. Use 'max_completion_tokens'".
			t.MaxCompletionTokens = true
			notes = append(notes, fmt.Sprintf("the server refused max_tokens (HTTP %d): the output cap is sent as max_completion_tokens", rec.Status))
			changed = true
		default:
			drop("min_tokens")
			drop("ignore_eos")
		}
		if !changed {
			return t, notes
		}
	}
	return t, notes
}
