package workloads

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// trSharedData is where the real public traces live, relative to this package.
const trSharedData = "../../shared/data/traces"

// realFile reads a real trace from the shared data, or skips the test.
func trRealFile(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(trSharedData, rel))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("real data %s not present", rel)
	}
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// firstLines is the first n lines of data.
func trFirstLines(data []byte, n int) []byte {
	i := 0
	for ; n > 0 && i < len(data); n-- {
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			return data
		}
		i += j + 1
	}
	return data[:i]
}

func trTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// drain reads every item of a finite source (at most max).
func trDrain(t testing.TB, src Source, max int) []Item {
	t.Helper()
	var items []Item
	for len(items) < max {
		it, err := src.Next()
		if errors.Is(err, ErrExhausted) {
			return items
		}
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
	}
	return items
}

// wantErr checks that err is non-nil and mentions every part.
func trWantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error mentioning %q, got none", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
}
