package main

import (
	"bytes"
	"testing"
	"time"
)

func TestSelftestFlags(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		check    func(*SelftestOptions) bool
	}{
		{"defaults", []string{"selftest"}, ExitOK, func(o *SelftestOptions) bool {
			return o.Streams == 100 && o.Duration == 3*time.Second && o.Script.Events == 64 && o.Output == "table"
		}},
		{"script and json", []string{"selftest", "--streams", "7", "--ttft", "5ms", "--gap", "1ms", "--events", "3", "-o", "json"}, ExitOK,
			func(o *SelftestOptions) bool {
				return o.Streams == 7 && o.Script.TTFT == 5*time.Millisecond && o.Script.Gap == time.Millisecond && o.Script.Events == 3 && o.Output == "json"
			}},
		{"no streams", []string{"selftest", "--streams", "0"}, ExitUsage, nil},
		{"no events", []string{"selftest", "--events", "0"}, ExitUsage, nil},
		{"bad output", []string{"selftest", "-o", "csv"}, ExitUsage, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			f := &Factory{Out: &out, Err: &errOut, Getenv: func(string) string { return "" }}
			var got *SelftestOptions
			root := NewRootCmd(f)
			for _, c := range root.Commands() {
				if c.Name() == "selftest" {
					root.RemoveCommand(c)
				}
			}
			root.AddCommand(NewCmdSelftest(f, func(o *SelftestOptions) error { got = o; return nil }))
			root.SetArgs(tt.args)
			root.SetOut(&out)
			root.SetErr(&errOut)
			if code := exitCode(f, root.Execute()); code != tt.wantCode {
				t.Fatalf("exit %d, want %d (%s)", code, tt.wantCode, errOut.String())
			}
			if tt.check != nil && (got == nil || !tt.check(got)) {
				t.Fatalf("options %+v", got)
			}
		})
	}
}
