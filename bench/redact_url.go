package bench

import (
	"net/url"
	"strings"
)

// urlMask replaces what RedactURL hides; README.md documents it.
const urlMask = "xxxxx"

// RedactURL returns raw fit to be written to run.json, logs, reports and
// the terminal: its userinfo (http://user:password@host) becomes "xxxxx"
// (a user name alone is often a key), every query value becomes "xxxxx"
// (gateways take keys, tokens and signatures as ?key=, ?sig=, ?token=, and
// no list of names catches them all; the names stay, in their order), and
// the fragment, which is never sent, is dropped. A string that does not
// parse, or has an '@' that parsing put elsewhere than in a userinfo or
// the path after a host (http://user:1#2@host parses as host "user:1",
// fragment "2@host"), keeps nothing before its last '@', no fragment and
// no query value.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.User == nil && strings.Contains(u.Opaque+u.RawQuery+u.Fragment, "@")) ||
		(u.Host == "" && strings.Contains(u.Path, "@")) {
		return redactText(raw)
	}
	if u.User != nil {
		u.User = url.User(urlMask)
	}
	u.RawQuery = redactQuery(u.RawQuery)
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// redactText redacts a string url.Parse cannot make sense of: everything
// before its last '@', the fragment, the query's values.
func redactText(raw string) string {
	if i := strings.LastIndexByte(raw, '@'); i >= 0 {
		raw = urlMask + raw[i:]
	}
	raw, _, _ = strings.Cut(raw, "#")
	if base, q, ok := strings.Cut(raw, "?"); ok {
		return base + "?" + redactQuery(q)
	}
	return raw
}

// redactQuery masks every value of a raw query, keeping its names in
// order; a part with no '=' may be a bare token, and is masked whole. A
// ';' does not separate parts here: a value with one is masked whole.
func redactQuery(q string) string {
	if q == "" {
		return ""
	}
	parts := strings.Split(q, "&")
	for i, p := range parts {
		if k, _, ok := strings.Cut(p, "="); ok {
			parts[i] = k + "=" + urlMask
		} else if p != "" {
			parts[i] = urlMask
		}
	}
	return strings.Join(parts, "&")
}
