package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// eventDecoder decodes the JSON of successive events with one json.Decoder
// per stream. json.Unmarshal allocates a decoder state and a scanner stack
// on every call; a Decoder keeps them, which halves the allocations of the
// per-event path. Each event must hold exactly one JSON value.
type eventDecoder struct {
	src  eventSource
	dec  *json.Decoder
	sent int64 // bytes handed to the decoder so far
}

// eventSource hands the decoder the current event's bytes, then io.EOF.
type eventSource struct{ data []byte }

func (s *eventSource) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.data)
	s.data = s.data[n:]
	return n, nil
}

var errTrailingData = errors.New("data after the JSON value of the event")

func newEventDecoder() *eventDecoder {
	d := &eventDecoder{}
	d.dec = json.NewDecoder(&d.src)
	return d
}

// decode decodes data, one event's JSON value, into v. After an error the
// decoder must not be used again (the stream is abandoned as a bad event).
func (d *eventDecoder) decode(data []byte, v any) error {
	d.src.data = data
	d.sent += int64(len(data))
	if err := d.dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return io.ErrUnexpectedEOF // an empty event, or a value cut short
		}
		return err
	}
	// What follows the value in this event must be white space only.
	rest := d.sent - d.dec.InputOffset()
	if rest < 0 || rest > int64(len(data)) {
		return errTrailingData
	}
	if len(bytes.TrimSpace(data[int64(len(data))-rest:])) > 0 {
		return errTrailingData
	}
	return nil
}
