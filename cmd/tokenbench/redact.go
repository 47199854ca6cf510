package main

import (
	"net/url"
	"strings"
	"sync"
)

// secrets holds what must never reach the terminal: the API key, header
// values, the userinfo and query values of the URL. Factory.redact replaces each with
// "xxxxx" in every message tokenbench prints itself.
type secrets struct {
	mu   sync.Mutex
	list []string
}

// addSecret registers s (ignored when shorter than 3 bytes: replacing a
// letter everywhere would garble messages and protect nothing).
func (f *Factory) addSecret(s string) {
	if len(s) < 3 {
		return
	}
	f.secrets.mu.Lock()
	defer f.secrets.mu.Unlock()
	f.secrets.list = append(f.secrets.list, s)
}

// addURLSecrets registers what bench.RedactURL hides of a URL: its
// userinfo, and its query values (a gateway's key or signature), raw and
// escaped, so that an error quoting the URL shows none of them either.
func (f *Factory) addURLSecrets(raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	for _, kv := range strings.Split(u.RawQuery, "&") {
		_, raw, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		f.addSecret(raw) // as written
		f.addSecret(url.QueryEscape(raw))
		if v, err := url.QueryUnescape(raw); err == nil {
			f.addSecret(v)
			f.addSecret(url.QueryEscape(v))
			f.addSecret(url.PathEscape(v))
		}
	}
	if u.User == nil {
		return
	}
	f.addSecret(u.User.String())
	if p, ok := u.User.Password(); ok {
		f.addSecret(p)
		f.addSecret(url.QueryEscape(p))
	}
	f.addSecret(u.User.Username())
}

// redact returns s with every registered secret replaced.
func (f *Factory) redact(s string) string {
	f.secrets.mu.Lock()
	defer f.secrets.mu.Unlock()
	for _, sec := range f.secrets.list {
		s = strings.ReplaceAll(s, sec, "xxxxx")
	}
	return s
}
