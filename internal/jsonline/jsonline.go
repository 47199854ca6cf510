// Package jsonline locates encoding/json errors in the document that caused
// them, so a reader's error names the line of bad input. It lives under
// internal because both report and pricing (a leaf that cannot import
// report) read JSON files and must say where they are wrong in one way.
package jsonline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Error prefixes a JSON decoding error of b with the line it points at
// ("line 3: ..."), when it points at one; other errors come back unchanged.
// The result wraps err.
func Error(b []byte, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 || off > int64(len(b)) {
		return err
	}
	return fmt.Errorf("line %d: %w", bytes.Count(b[:off], []byte("\n"))+1, err)
}
