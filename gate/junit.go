package gate

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

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
