package gate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/bench"
)

// TestScenarioKeyOfAnEndpoint: the credentials, query and fragment of a
// run's URL, redacted or not, neither show in its identity nor change its
// scenario, whose key stays the one recorded histories hold.
func TestScenarioKeyOfAnEndpoint(t *testing.T) {
	info := func(url string) bench.RunInfo {
		return bench.RunInfo{Version: "test", StartTime: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
			Target: bench.TargetInfo{URL: url, Model: "m", API: "chat"}, Load: bench.LoadInfo{Concurrency: 4, Requests: 100}}
	}
	const want = "http://127.0.0.1:8000/v1"
	plain := ScenarioKey(info(want))
	for _, url := range []string{
		"http://u:pw@127.0.0.1:8000/v1?key=sk-1#f",
		bench.RedactURL("http://u:pw@127.0.0.1:8000/v1?key=sk-1#f"),
	} {
		if got := ScenarioKey(info(url)); got != plain {
			t.Errorf("scenario of %s: %s, want %s as without credentials", url, got, plain)
		}
		dir := t.TempDir()
		b, _ := json.Marshal(info(url))
		if err := os.WriteFile(filepath.Join(dir, bench.RunFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
		id, err := ReadIdentity(dir)
		if err != nil {
			t.Fatal(err)
		}
		if id.Engine != want || id.Scenario != plain {
			t.Errorf("identity of %s: engine %q scenario %s, want %q %s", url, id.Engine, id.Scenario, want, plain)
		}
	}
	if plain != "8e14ba17f48c6869" {
		t.Errorf("scenario key %s changed: every recorded history of this endpoint would start again", plain)
	}
}

// A broken run.json or cost.json is named with the line it breaks on.
func TestBrokenJSONNamesItsLine(t *testing.T) {
	broken := []byte("{\n  \"name\": \"x\",\n  oops\n}\n")
	dir := writeRunJSON(t, "r", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err := os.WriteFile(filepath.Join(dir, bench.RunFile), broken, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, read := range map[string]func() error{
		"identity": func() error { _, err := ReadIdentity(dir); return err },
		"run info": func() error { _, err := bench.ReadRunInfo(dir); return err },
		"cost.json": func() error {
			p := filepath.Join(t.TempDir(), "cost.json")
			if err := os.WriteFile(p, broken, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := readJSONMap(p)
			return err
		},
	} {
		if err := read(); err == nil || !strings.Contains(err.Error(), "line 3:") {
			t.Errorf("%s: %v, want the error on line 3", name, err)
		}
	}
}
