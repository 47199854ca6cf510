package main

// flaggroups.go: `--help` lists a command's flags in named groups (Target,
// Load, Workload, ...) rather than one alphabetical block. A command names
// its groups with groupFlags (a cobra annotation); the usage template
// (usageTemplate) renders them in order, with one description column across
// all of them, and any flag no group names under "Other flags".

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// groupsAnnotation is the cobra command annotation that holds its help
// groups, one line per group: the title, a tab, the flag names.
const groupsAnnotation = "tokenbench_flag_groups"

// flagGroup is one section of a command's --help.
type flagGroup struct {
	Title string   // "Target", printed as "Target flags:"
	Flags []string // flag names, in the order printed
}

// groupFlags sets the help groups of cmd's flags. Names cmd does not have
// are skipped when printing: a list may name flags only some builds add.
func groupFlags(cmd *cobra.Command, groups []flagGroup) {
	lines := make([]string, len(groups))
	for i, g := range groups {
		lines[i] = g.Title + "\t" + strings.Join(g.Flags, " ")
	}
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[groupsAnnotation] = strings.Join(lines, "\n")
}

// flagGroups reads back the groups groupFlags set; nil when none.
func flagGroups(cmd *cobra.Command) []flagGroup {
	a := cmd.Annotations[groupsAnnotation]
	if a == "" {
		return nil
	}
	var gs []flagGroup
	for _, line := range strings.Split(a, "\n") {
		title, names, _ := strings.Cut(line, "\t")
		gs = append(gs, flagGroup{Title: title, Flags: strings.Fields(names)})
	}
	return gs
}

// groupedFlagUsages renders the local flags of cmd by group: one block per
// group, titled "<Title> flags:", then "Other flags:" for the flags no
// group names (help among them), in definition order. A command without
// groups gets cobra's single "Flags:" block.
func groupedFlagUsages(cmd *cobra.Command) string {
	local := cmd.LocalFlags()
	groups := flagGroups(cmd)
	if len(groups) == 0 {
		return "Flags:\n" + local.FlagUsages()
	}
	taken := map[string]bool{}
	var sections []flagGroup // the groups with the flags cmd shows
	for _, g := range groups {
		sec := flagGroup{Title: g.Title}
		for _, name := range g.Flags {
			if f := local.Lookup(name); f != nil && !f.Hidden && !taken[name] {
				sec.Flags = append(sec.Flags, name)
				taken[name] = true
			}
		}
		sections = append(sections, sec)
	}
	other := flagGroup{Title: "Other"}
	local.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden && !taken[f.Name] {
			other.Flags = append(other.Flags, f.Name)
		}
	})
	sections = append(sections, other)
	// One flag set in printing order, so that pflag aligns every group's
	// descriptions in one column.
	all := pflag.NewFlagSet(cmd.Name(), pflag.ContinueOnError)
	all.SortFlags = false
	for _, sec := range sections {
		for _, name := range sec.Flags {
			all.AddFlag(local.Lookup(name))
		}
	}
	entries := splitFlagUsages(all.FlagUsages())
	var b strings.Builder
	i := 0
	for _, sec := range sections {
		if len(sec.Flags) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(sec.Title + " flags:\n")
		for range sec.Flags {
			if i < len(entries) {
				b.WriteString(entries[i])
			}
			i++
		}
	}
	return b.String()
}

// splitFlagUsages splits pflag's usage text into one entry per flag: an
// entry starts at a line whose first non-blank character is '-'; a usage
// with newlines continues on lines indented further.
func splitFlagUsages(s string) []string {
	var entries []string
	for _, line := range strings.SplitAfter(s, "\n") {
		if line == "" {
			continue
		}
		line = strings.TrimRight(line, " \n") + "\n"
		if strings.HasPrefix(strings.TrimLeft(line, " "), "-") || len(entries) == 0 {
			entries = append(entries, line)
			continue
		}
		entries[len(entries)-1] += line
	}
	return entries
}

// usageTemplate is cobra's default usage template with its "Flags:" block
// replaced by the grouped one.
const usageTemplate = `Usage:{{if .Runnable}}
  {{.UseLine}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} [command]{{end}}{{if gt (len .Aliases) 0}}

Aliases:
  {{.NameAndAliases}}{{end}}{{if .HasExample}}

Examples:
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}{{$cmds := .Commands}}

Available Commands:{{range $cmds}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

{{groupedFlagUsages . | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}

Global Flags:
{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasHelpSubCommands}}

Additional help topics:{{range .Commands}}{{if .IsAdditionalHelpTopicCommand}}
  {{rpad .CommandPath .CommandPathPadding}} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableSubCommands}}

Use "{{.CommandPath}} [command] --help" for more information about a command.{{end}}
`

func init() {
	cobra.AddTemplateFunc("groupedFlagUsages", groupedFlagUsages)
}

// runFlagGroups are the help groups of `tokenbench run`; engine names the
// built-in engine's flags (addSimFlags).
func runFlagGroups(engine []string) []flagGroup {
	return []flagGroup{
		{"Target", []string{"url", "model", "api-key", "api", "header", "timeout", "max-buffer", "extra-body",
			"logprobs", "no-preflight", "no-prewarm"}},
		{"Load", []string{"concurrency", "rate", "arrival", "burstiness", "requests", "duration", "warmup",
			"ramp-up", "grace", "seed", "clock"}},
		{"Workload", []string{"workload", "input-tokens", "input-stddev", "output-tokens", "output-stddev",
			"force-length", "prefix-tokens", "prefix-groups", "tokenizer", "calibrate", "max-tokens",
			"block-tokens", "time-scale", "trace-start", "trace-duration", "burstgpt-model", "history"}},
		{"SLO and output", []string{"slo", "out", "output", "name", "quiet", "file"}},
		{"Sweep and search", []string{"sweep", "search-max-goodput", "goodput-target", "search-steps"}},
		{"Engine metrics", []string{"metrics-url", "no-metrics", "metrics-interval"}},
		{"Shards", []string{"shard", "shards", "start-at"}},
		{"Routing", []string{"route", "replicas", "disagg", "kv-link", "kv-network-gbps"}},
		{"Gate", []string{"gate", "baseline", "junit", "markdown", "history-db"}},
		{"Built-in engine (no --url)", engine},
	}
}

// simFlagGroups are the help groups of `tokenbench sim`.
func simFlagGroups(engine []string) []flagGroup {
	server := []string{"addr", "url-file", "api-key", "seed", "replicas", "route"}
	var model []string
	for _, n := range engine {
		if !slices.Contains(server, n) {
			model = append(model, n)
		}
	}
	return []flagGroup{{"Server", server}, {"Engine model", model}}
}

// costFlagGroups are the help groups of `tokenbench cost`.
var costFlagGroups = []flagGroup{
	{"GPUs", []string{"gpu", "gpus"}},
	{"Price", []string{"tier", "provider", "price", "prices"}},
	{"Sweep", []string{"interactivity"}},
	{"Output", []string{"output", "save"}},
}

// reportFlagGroups are the help groups of `tokenbench report` and
// `tokenbench compare`.
var reportFlagGroups = []flagGroup{
	{"Output", []string{"output", "out", "plots"}},
	{"Sweep charts", []string{"gpus"}},
}
