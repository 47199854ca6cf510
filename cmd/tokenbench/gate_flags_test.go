package main

import (
	"context"
	"strings"
	"testing"
)

// TestGateAndHistoryFlags parses the flags of gate, history and run's
// gate flags without running anything.
func TestGateAndHistoryFlags(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
		check    func(t *testing.T, g *GateOptions, h *HistoryOptions)
	}{
		{name: "gate", args: []string{"gate", "results/pr", "-t", "g.yaml", "--baseline", "history:h.db", "--junit", "j.xml", "--markdown", "s.md", "-o", "json"},
			check: func(t *testing.T, g *GateOptions, _ *HistoryOptions) {
				if g.Dir != "results/pr" || g.File != "g.yaml" || g.Baseline != "history:h.db" || g.JUnit != "j.xml" || g.Markdown != "s.md" || g.Output != "json" {
					t.Errorf("%+v", g)
				}
			}},
		{name: "gate --gate is -t", args: []string{"gate", "d", "--gate", "g.yaml"}, check: func(t *testing.T, g *GateOptions, _ *HistoryOptions) {
			if g.File != "g.yaml" || g.Output != "table" {
				t.Errorf("%+v", g)
			}
		}},
		{name: "gate without a file", args: []string{"gate", "d"}, wantCode: ExitUsage, wantErr: "-t gate.yaml"},
		{name: "gate without a dir", args: []string{"gate", "-t", "g.yaml"}, wantCode: ExitUsage, wantErr: "one results directory"},
		{name: "gate bad output", args: []string{"gate", "d", "-t", "g", "-o", "xml"}, wantCode: ExitUsage, wantErr: "--output"},
		{name: "history", args: []string{"history", "h.db", "--metric", "tpot_ms.p99", "--plot", "p.PNG", "--last", "3", "--add", "a", "--add", "b"},
			check: func(t *testing.T, _ *GateOptions, h *HistoryOptions) {
				if h.DB != "h.db" || h.Metric != "tpot_ms.p99" || h.Plot != "p.PNG" || h.Last != 3 || strings.Join(h.Add, ",") != "a,b" {
					t.Errorf("%+v", h)
				}
			}},
		{name: "history plot format", args: []string{"history", "h.db", "--plot", "p.jpg"}, wantCode: ExitUsage, wantErr: ".png or .svg"},
		{name: "run --baseline needs --gate", args: []string{"run", "--baseline", "results/main"}, wantCode: ExitUsage, wantErr: "need --gate FILE"},
		{name: "run --gate not with a sweep", args: []string{"run", "--gate", "g.yaml", "--sweep", "concurrency=1,2"}, wantCode: ExitUsage, wantErr: "not with --sweep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, errb, _ := testFactory(nil)
			var g *GateOptions
			var h *HistoryOptions
			root := NewRootCmd(f)
			for _, c := range root.Commands() {
				switch c.Name() {
				case "gate", "history", "run":
					root.RemoveCommand(c)
				}
			}
			root.AddCommand(
				NewCmdGate(f, func(_ context.Context, o *GateOptions) error { g = o; return nil }),
				NewCmdHistory(f, func(_ context.Context, o *HistoryOptions) error { h = o; return nil }),
				NewCmdRun(f, func(context.Context, *RunOptions) error { return nil }))
			root.SetArgs(tt.args)
			root.SetOut(f.Out)
			root.SetErr(f.Err)
			code := exitCode(f, root.Execute())
			if code != tt.wantCode || !strings.Contains(errb.String(), tt.wantErr) {
				t.Fatalf("exit %d (want %d), stderr %q (want %q)", code, tt.wantCode, errb.String(), tt.wantErr)
			}
			if tt.check != nil {
				tt.check(t, g, h)
			}
		})
	}
}
