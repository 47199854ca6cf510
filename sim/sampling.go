package sim

// sampling holds the sampling parameters clients send. The engine's
// answers do not depend on them (its text is seeded, not sampled), but it
// checks their ranges as vLLM does, so that a client's mistake fails here
// as it would on a real server: temperature in [0, 2] (OpenAI's range;
// vLLM only asks for non-negative), top_p in (0, 1], top_k -1, 0 or at
// least 1, min_p in [0, 1], presence and frequency penalties in [-2, 2],
// repetition_penalty in (0, 2], best_of at least n.
type sampling struct {
	Temperature       *float64 `json:"temperature"`
	TopP              *float64 `json:"top_p"`
	TopK              *int     `json:"top_k"`
	MinP              *float64 `json:"min_p"`
	PresencePenalty   *float64 `json:"presence_penalty"`
	FrequencyPenalty  *float64 `json:"frequency_penalty"`
	RepetitionPenalty *float64 `json:"repetition_penalty"`
	Seed              *int64   `json:"seed"`
	BestOf            *int     `json:"best_of"`
}

// validate checks the parameters against n, the choices asked for.
// Errors are *apiError naming the parameter, in vLLM's words.
func (s sampling) validate(n int) error {
	inRange := func(name string, v *float64, lo, hi float64, loOpen bool) error {
		switch {
		case v == nil:
			return nil
		case loOpen && *v <= lo, !loOpen && *v < lo, *v > hi:
			open := "["
			if loOpen {
				open = "("
			}
			return badParam(name, "%s must be in %s%g, %g], got %g.", name, open, lo, hi, *v)
		}
		return nil
	}
	for _, c := range []struct {
		name   string
		v      *float64
		lo, hi float64
		loOpen bool
	}{
		{"temperature", s.Temperature, 0, 2, false},
		{"top_p", s.TopP, 0, 1, true},
		{"min_p", s.MinP, 0, 1, false},
		{"presence_penalty", s.PresencePenalty, -2, 2, false},
		{"frequency_penalty", s.FrequencyPenalty, -2, 2, false},
		{"repetition_penalty", s.RepetitionPenalty, 0, 2, true},
	} {
		if err := inRange(c.name, c.v, c.lo, c.hi, c.loOpen); err != nil {
			return err
		}
	}
	if s.TopK != nil && *s.TopK < -1 {
		return badParam("top_k", "top_k must be -1 or 0 (disable), or at least 1, got %d.", *s.TopK)
	}
	if s.BestOf != nil && *s.BestOf < n {
		return badParam("best_of", "best_of must be greater than or equal to n, got n=%d and best_of=%d.", n, *s.BestOf)
	}
	return nil
}
