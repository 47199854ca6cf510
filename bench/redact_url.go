package bench

import (
	"net/url"
	"strings"
)

// RedactURL returns raw with its userinfo (http://user:password@host) replaced
// by "xxxxx", so the URL can be written to run.json, logs and the terminal.
// Both parts go: a user name alone is often a key. A string that does not
// parse keeps nothing before its last '@'.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.LastIndexByte(raw, '@'); i >= 0 {
			return "xxxxx" + raw[i:]
		}
		return raw
	}
	if u.User == nil {
		return raw
	}
	u.User = url.User("xxxxx")
	return u.String()
}
