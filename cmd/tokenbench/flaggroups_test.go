package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/tokenbench/tokenbench/internal/golden"
)

// TestHelpFlagGroups checks the flag blocks of --help against golden files:
// run's, sim's, report's and cost's in named groups, merge's in one block
// (it has no groups).
func TestHelpFlagGroups(t *testing.T) {
	for _, args := range [][]string{{"run"}, {"sim"}, {"report"}, {"cost"}, {"merge"}} {
		name := strings.Join(args, "_")
		t.Run(name, func(t *testing.T) {
			f, out, errb, _ := testFactory(nil)
			if code := Main(f, append(args, "--help")); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			help := out.String()
			i := strings.Index(help, "\n\n"+flagsHeading(help))
			if i < 0 {
				t.Fatalf("no flags block in:\n%s", help)
			}
			golden.Check(t, filepath.Join("testdata", "help_"+name+".golden"), []byte(help[i+2:]))
		})
	}
}

// flagsHeading is the first flags heading of a help text: "Flags:" or the
// first group's "<Title> flags:".
func flagsHeading(help string) string {
	for _, line := range strings.Split(help, "\n") {
		if strings.HasSuffix(line, "lags:") && !strings.HasPrefix(line, " ") {
			return line
		}
	}
	return "Flags:"
}

// TestRunFlagsAllGrouped fails when a flag of run or sim is in no group: a
// new flag must say where it belongs (runFlagGroups, simFlagGroups).
func TestRunFlagsAllGrouped(t *testing.T) {
	f, _, _, _ := testFactory(nil)
	for _, cmd := range NewRootCmd(f).Commands() {
		groups := flagGroups(cmd)
		if len(groups) == 0 {
			continue
		}
		named := map[string]string{}
		for _, g := range groups {
			for _, n := range g.Flags {
				if prev, ok := named[n]; ok {
					t.Errorf("%s: --%s in groups %q and %q", cmd.Name(), n, prev, g.Title)
				}
				named[n] = g.Title
			}
		}
		cmd.LocalFlags().VisitAll(func(fl *pflag.Flag) {
			if _, ok := named[fl.Name]; !ok && fl.Name != "help" && !fl.Hidden {
				t.Errorf("%s: --%s is in no help group", cmd.Name(), fl.Name)
			}
		})
	}
}

func TestSplitFlagUsages(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"two flags", "  -o, --output string   x\n      --out DIR   y\n", []string{"  -o, --output string   x\n", "      --out DIR   y\n"}},
		{"continued usage", "      --a   one\n            two\n      --b   three\n", []string{"      --a   one\n            two\n", "      --b   three\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitFlagUsages(tt.in)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("splitFlagUsages(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
