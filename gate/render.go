package gate

import (
	"encoding/json"
	"encoding/xml"
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

// JUnit is the JUnit XML document of a verdict: one testcase per rule and
// per baseline metric; failed checks carry a <failure>, those not judged
// an <error>, skipped ones <skipped>.
type JUnit struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []JUnitSuite `xml:"testsuite"`
}

// JUnitSuite is one <testsuite>.
type JUnitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []JUnitCase `xml:"testcase"`
}

// JUnitCase is one <testcase>.
type JUnitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *JUnitMessage `xml:"failure,omitempty"`
	Error     *JUnitMessage `xml:"error,omitempty"`
	Skipped   *JUnitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// JUnitMessage is a failure, error or skipped element.
type JUnitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// JUnit builds the JUnit document.
func (v *Verdict) JUnit() JUnit {
	s := JUnitSuite{Name: "tokenbench gate " + v.Dir}
	for _, c := range v.Checks {
		jc := JUnitCase{Name: c.Name, Classname: "tokenbench.gate." + c.Kind, SystemOut: fmt.Sprintf("value %s, bound %s: %s", value(c), c.Bound, c.Message)}
		switch c.Status {
		case Fail:
			jc.Failure = &JUnitMessage{Message: c.Message, Type: c.Kind, Text: c.Message}
			s.Failures++
		case NotJudged:
			msg := c.Message
			if len(v.Reasons) > 0 {
				msg = strings.Join(v.Reasons, "; ")
			}
			jc.Error = &JUnitMessage{Message: msg, Type: "cannot_judge", Text: msg}
			s.Errors++
		case Skipped:
			jc.Skipped = &JUnitMessage{Message: c.Message}
			s.Skipped++
		}
		s.Cases = append(s.Cases, jc)
	}
	s.Tests = len(s.Cases)
	return JUnit{Name: "tokenbench gate", Tests: s.Tests, Failures: s.Failures, Errors: s.Errors, Skipped: s.Skipped, Suites: []JUnitSuite{s}}
}

// WriteJUnit writes the JUnit XML document.
func (v *Verdict) WriteJUnit(w io.Writer) error {
	b, err := xml.MarshalIndent(v.JUnit(), "", "  ")
	if err != nil {
		return fmt.Errorf("gate: junit: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s%s\n", xml.Header, b)
	return err
}
