package pricing

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// loadRE splits a load into a plain decimal number and its unit. Hex
// floats, "Inf", "NaN" and digit separators, which strconv would take,
// are not loads anyone means.
var loadRE = regexp.MustCompile(`^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([-+]?[0-9]{1,3}))?\s*(.*)$`)

// loadUnits maps a load's unit (lower case, spaces removed) to seconds per
// unit of time.
var loadUnits = map[string]float64{
	"req/s": 1, "reqs/s": 1, "requests/s": 1, "/s": 1, "req/sec": 1, "/sec": 1, "rps": 1,
	"req/min": 60, "reqs/min": 60, "requests/min": 60, "/min": 60, "rpm": 60,
}

// ParseLoad parses a request rate, "200req/s", "200/s", "12000req/min" or
// "12000/min" (a space before the unit is allowed), into requests per
// second. The unit is required: a bare number could be per second or per
// minute. Token rates ("2M tok/min") are refused with a hint, since a plan
// counts requests of a given token mix.
func ParseLoad(s string) (float64, error) {
	in := strings.TrimSpace(s)
	m := loadRE.FindStringSubmatch(in)
	if m == nil {
		return 0, fmt.Errorf("pricing: load %q: want a number and a unit, e.g. 200req/s or 12000req/min", s)
	}
	num := m[1]
	if m[2] != "" {
		num += "e" + m[2]
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || !finite(v) {
		return 0, fmt.Errorf("pricing: load %q: %s is not a usable number", s, num)
	}
	unit := strings.ToLower(strings.Join(strings.Fields(m[3]), ""))
	per, ok := loadUnits[unit]
	switch {
	case unit == "":
		return 0, fmt.Errorf("pricing: load %q: no unit; want req/s or req/min, e.g. %sreq/s", s, m[1])
	case strings.Contains(unit, "tok"):
		return 0, fmt.Errorf("pricing: load %q: token rates are not taken; give requests per second or minute (req/s, req/min) of the plan's token mix", s)
	case !ok:
		return 0, fmt.Errorf("pricing: load %q: unknown unit %q; want req/s, /s, req/min or /min", s, m[3])
	}
	rate := v / per
	if !(rate > 0) || !finite(rate) {
		return 0, fmt.Errorf("pricing: load %q: want a rate above zero", s)
	}
	return rate, nil
}

// FormatLoad writes a rate in requests per second as ParseLoad reads it.
func FormatLoad(reqPerS float64) string {
	return strconv.FormatFloat(reqPerS, 'g', -1, 64) + "req/s"
}
