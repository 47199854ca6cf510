package jsonline

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestError(t *testing.T) {
	other := errors.New("not json")
	for _, tc := range []struct {
		name, doc string
		err       error // nil: the error of decoding doc into a struct
		want      string
	}{
		{"syntax on line 3", "{\n\"a\": 1,\n\"b\": ]\n}", nil, "line 3: invalid character ']' looking for beginning of value"},
		{"type on line 2", "{\n\"a\": \"x\"\n}", nil, "line 2: json: cannot unmarshal string into Go struct field .A of type int"},
		{"truncated: the last line", "{\n\"a\": 1", nil, "line 2: unexpected end of JSON input"},
		{"other error unchanged", "{}", other, "not json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err
			if err == nil {
				var v struct{ A int }
				err = json.Unmarshal([]byte(tc.doc), &v)
			}
			got := Error([]byte(tc.doc), err)
			if got.Error() != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if !errors.Is(got, err) {
				t.Errorf("%v does not wrap %v", got, err)
			}
		})
	}
}
