package selftest

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteText writes the result for a terminal.
func (r Result) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, `Script        TTFT %v, %d events every %v (target in its own process)
Streams held  %d (%d requests, %d failed)
Events        %d in %.2f s: %.0f events/s
Client CPU    %.2f us/event
Memory        %.0f bytes/stream (Go heap and stacks at peak)
Schedule lag  p50 %.3f ms, p99 %.3f ms
TTFT error    p50 %.3f ms, p99 %.3f ms (measured - script)
ITL error     p50 %.3f ms, p99 %.3f ms (measured - script)
`, r.Script.TTFT, r.Script.Events, r.Script.Gap, r.Streams, r.Requests, r.Failed, r.Events, r.WindowS, r.EventsPerS,
		r.CPUUSPerEvent, r.BytesPerStream, r.ScheduleLagMS.P50, r.ScheduleLagMS.P99,
		r.TTFTErrorMS.P50, r.TTFTErrorMS.P99, r.ITLErrorMS.P50, r.ITLErrorMS.P99)
	if err != nil {
		return fmt.Errorf("selftest: write: %w", err)
	}
	return nil
}

// WriteJSON writes the result as indented JSON (`-o json`).
func (r Result) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("selftest: encode: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("selftest: write: %w", err)
	}
	return nil
}
