package workloads

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

func TestBFCLTool(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{{
		name: "dict and float",
		doc:  `{"name": "math.hypot", "description": "d", "parameters": {"type": "dict", "properties": {"x": {"type": "float", "description": "X."}, "n": {"type": "integer", "default": 10}}, "required": ["x"]}}`,
		want: `{"function":{"name":"math_hypot","description":"d","parameters":{"properties":{"n":{"default":10,"type":"integer"},"x":{"description":"X. This is a float type value.","format":"float","type":"number"}},"required":["x"],"type":"object"}},"type":"function"}`,
	}, {
		name: "nested dict, tuple items, any and no type",
		doc:  `{"name": "f", "parameters": {"type": "dict", "properties": {"o": {"type": "dict", "properties": {"a": {"type": "any"}}}, "t": {"type": "tuple", "items": {"type": "float"}}, "l": {"type": "array", "items": {"type": "array", "items": {"type": "dict"}}}, "u": {"description": "?"}}}}`,
		want: `{"function":{"name":"f","parameters":{"properties":{"l":{"items":{"items":{"type":"object"},"type":"array"},"type":"array"},"o":{"properties":{"a":{"type":"string"}},"type":"object"},"t":{"items":{"type":"number"},"type":"array"},"u":{"description":"?","type":"string"}},"type":"object"}},"type":"function"}`,
	}, {
		name: "no parameters",
		doc:  `{"name": "ping"}`,
		want: `{"function":{"name":"ping","parameters":{"properties":{},"type":"object"}},"type":"function"}`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn, err := decodeBFCLFunc([]byte(tt.doc), "function[0]")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(bfclTool(fn))
			if string(b) != tt.want {
				t.Errorf("got  %s\nwant %s", b, tt.want)
			}
		})
	}
}

func TestParseBFCL(t *testing.T) {
	docs := func(class string) ([]bfclFunc, error) {
		switch class {
		case "A":
			return []bfclFunc{{Name: "cp"}, {Name: "mv"}}, nil
		case "B":
			return []bfclFunc{{Name: "post"}}, nil
		}
		return nil, errors.New(`unknown class "` + class + `"`)
	}
	t.Run("multi turn", func(t *testing.T) {
		s, err := parseBFCL([]byte(`{"id": "m0", "question": [[{"role": "system", "content": "be brief"}, {"role": "user", "content": "q1"}], [], [{"role": "user", "content": "q3"}, {"role": "user", "content": "more"}]], "involved_classes": ["A", "B"], "excluded_function": ["cp"], "initial_config": {}}`), docs)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tl := range s.Tools {
			names = append(names, tl.Function.Name)
		}
		if strings.Join(names, ",") != "mv,post" {
			t.Errorf("tools %v, want the classes' docs minus excluded_function", names)
		}
		if s.System != "be brief" || len(s.Turns) != 3 || s.Turns[0].User != "q1" ||
			s.Turns[1].User != bfclAddedFunctions || len(s.Turns[2].Messages) != 2 {
			t.Errorf("session %+v", s)
		}
	})
	errs := []struct{ name, line, want string }{
		{"no id", `{"question": [[{"role": "user", "content": "q"}]]}`, "id: missing"},
		{"no question", `{"id": "x", "question": []}`, "question: no turns"},
		{"empty first turn", `{"id": "x", "question": [[]]}`, "question[0]: no user message"},
		{"question type", `{"id": "x", "question": "q"}`, "question: want an array, got string"},
		{"unknown class", `{"id": "x", "question": [[{"role": "user", "content": "q"}]], "involved_classes": ["Z"]}`, `involved_classes[0]: unknown class "Z"`},
		{"function without name", `{"id": "x", "question": [[{"role": "user", "content": "q"}]], "function": [{"description": "d"}]}`, "function[0].name: missing"},
		{"role missing", `{"id": "x", "question": [[{"role": "user", "content": "q"}, {"content": "r"}]]}`, "question[0][1].role: missing"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseBFCL([]byte(tt.line), docs)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestBFCLFileErrors(t *testing.T) {
	dir := t.TempDir()
	p := dir + "/BFCL_v4_x.json"
	os.WriteFile(p, []byte(`{"id": "ok", "question": [[{"role": "user", "content": "q"}]], "function": []}`+"\n"+
		`{"id": "mt", "question": [[{"role": "user", "content": "q"}]], "involved_classes": ["MathAPI"]}`+"\n"), 0o644)
	r, err := OpenSessions(FormatBFCL, p, ConvertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if s, err := r.Next(); err != nil || s.ID != "ok" {
		t.Fatalf("first item: %v", err)
	}
	_, err = r.Next()
	if err == nil || !strings.Contains(err.Error(), "BFCL_v4_x.json line 2: involved_classes[0]: class MathAPI") ||
		!strings.Contains(err.Error(), "multi_turn_func_doc") {
		t.Errorf("missing docs: %v", err)
	}
}

// TestBFCLRealFiles reads the public BFCL files whole: every item becomes a
// session with one turn per question turn and valid JSON Schema types.
func TestBFCLRealFiles(t *testing.T) {
	const dir = "../../shared/data/traces/bfcl/"
	if _, err := os.Stat(dir); err != nil {
		t.Skip("shared data not present")
	}
	valid := map[string]bool{"object": true, "array": true, "string": true, "integer": true, "number": true, "boolean": true}
	var checkTypes func(v any) bool
	checkTypes = func(v any) bool {
		switch x := v.(type) {
		case map[string]any:
			if ty, ok := x["type"].(string); ok && !valid[ty] {
				return false
			}
			for k, y := range x {
				if k != "default" && k != "enum" && !checkTypes(y) {
					return false
				}
			}
		case []any:
			for _, y := range x {
				if !checkTypes(y) {
					return false
				}
			}
		}
		return true
	}
	for _, c := range []struct {
		file          string
		items, tools1 int
	}{
		{"BFCL_v4_simple_python.json", 400, 1},
		{"BFCL_v4_live_simple.json", 258, 1},
		{"BFCL_v4_multi_turn_base.json", 200, 0},
	} {
		t.Run(c.file, func(t *testing.T) {
			r, err := OpenSessions(FormatBFCL, dir+c.file, ConvertOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			n, turns := 0, 0
			for {
				s, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				n++
				turns += len(s.Turns)
				if c.tools1 > 0 && len(s.Tools) != c.tools1 || len(s.Tools) == 0 {
					t.Errorf("%s: %d tools", s.ID, len(s.Tools))
				}
				for _, tl := range s.Tools {
					b, _ := json.Marshal(tl.Function.Parameters)
					var v any
					json.Unmarshal(b, &v)
					if !checkTypes(v) {
						t.Errorf("%s: tool %s types not JSON Schema: %.300s", s.ID, tl.Function.Name, b)
					}
				}
			}
			if n != c.items {
				t.Errorf("%d sessions, want %d", n, c.items)
			}
			if c.file == "BFCL_v4_multi_turn_base.json" && turns != 734 {
				t.Errorf("%d turns, want the 734 question turns", turns)
			}
		})
	}
}
