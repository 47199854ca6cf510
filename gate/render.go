package gate

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable writes the terminal table: check, value, bound, verdict, and
// for baselines the change, its interval and the samples used.
func (v *Verdict) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "CHECK\tVALUE\tBOUND\tVERDICT\tDETAIL\n")
	for _, c := range v.Checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Name, value(c), c.Bound, verdictWord(c.Status), c.Message)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if v.Baseline != "" {
		fmt.Fprintf(w, "baseline: %s\n", v.Baseline)
	}
	_, err := fmt.Fprintln(w, v.Summary())
	return err
}

func value(c Check) string {
	if c.Value == nil {
		return "-"
	}
	return fmtNum(*c.Value)
}

func verdictWord(s Status) string {
	switch s {
	case Pass:
		return "PASS"
	case Fail:
		return "FAIL"
	case Skipped:
		return "SKIP"
	}
	return "NOT JUDGED"
}

// WriteJSON writes the verdict as indented JSON (-o json).
func (v *Verdict) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("gate: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteMarkdown writes the verdict for $GITHUB_STEP_SUMMARY.
func (v *Verdict) WriteMarkdown(w io.Writer) error {
	icon := map[Status]string{Pass: "✅", Fail: "❌", NotJudged: "⚠️", Skipped: "⏭️"}
	var b strings.Builder
	fmt.Fprintf(&b, "### tokenbench gate: %s\n\n", v.Dir)
	fmt.Fprintf(&b, "%s %s\n\n", icon[v.Status], mdEscape(v.Summary()))
	if v.Baseline != "" {
		fmt.Fprintf(&b, "Baseline: `%s`\n\n", v.Baseline)
	}
	b.WriteString("| Check | Value | Bound | Verdict | Detail |\n|---|---:|---|---|---|\n")
	for _, c := range v.Checks {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s %s | %s |\n", strings.ReplaceAll(c.Name, "|", `\|`), value(c),
			mdEscape(c.Bound), icon[c.Status], verdictWord(c.Status), mdEscape(c.Message))
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(s)
}
