package bench

import (
	"net/url"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	for _, tt := range []struct{ name, raw, want string }{
		{"plain", "http://gateway.internal/v1", "http://gateway.internal/v1"},
		{"no scheme", "gateway.internal/v1", "gateway.internal/v1"},
		{"empty", "", ""},
		{"user and password", "http://user:pw@gateway.internal/v1", "http://xxxxx@gateway.internal/v1"},
		{"user alone is a key", "https://sk-abcdef@api.example.com/v1", "https://xxxxx@api.example.com/v1"},
		{"escaped password", "http://u:p%40ss@host/v1", "http://xxxxx@host/v1"},
		{"query values", "https://gw.example.com/v1?api-version=2024-02-01&key=sk-123", "https://gw.example.com/v1?api-version=xxxxx&key=xxxxx"},
		{"query names keep their order", "http://h/v1?z=1&a=2&z=3", "http://h/v1?z=xxxxx&a=xxxxx&z=xxxxx"},
		{"bare query token", "http://h/v1?sk-abcdef", "http://h/v1?xxxxx"},
		{"signature", "https://b.s3.example.com/o?X-Amz-Signature=abc&X-Amz-Credential=AKIA%2F", "https://b.s3.example.com/o?X-Amz-Signature=xxxxx&X-Amz-Credential=xxxxx"},
		{"semicolon in a value", "http://h/?a=1;key=secret", "http://h/?a=xxxxx"},
		{"empty query", "http://h/v1?", "http://h/v1?"},
		{"fragment dropped", "http://h/v1#access_token=abc", "http://h/v1"},
		{"all at once", "http://u:p@h:1/v1?k=v#f", "http://xxxxx@h:1/v1?k=xxxxx"},
		{"at in the path is not userinfo", "http://u:p@h/a@b", "http://xxxxx@h/a@b"},
		// url.Parse reads host "u:123" and fragment "45@host": the
		// password would show.
		{"hash in a password", "http://u:123#45@host/v1", "xxxxx@host/v1"},
		{"unparsable", "http://u:p#ss@host/v1", "xxxxx@host/v1"},
		{"unparsable with a query", "http://u:p@ho st/v1?key=abc#frag", "xxxxx@ho st/v1?key=xxxxx"},
		{"unparsable without secrets", "http://a b/", "http://a b/"},
		{"opaque userinfo", "u:p@host/v1", "xxxxx@host/v1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := RedactURL(tt.raw); got != tt.want {
				t.Errorf("RedactURL(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

// FuzzRedactURL: whatever the string, no password, user name, query value
// or fragment that url.Parse finds in it survives, and the result for a
// URL with a host redacts to itself.
func FuzzRedactURL(f *testing.F) {
	for _, s := range []string{"http://user:pw@gateway.internal/v1?key=sk-1#frag", "https://h/v1?api-version=2024", "u:p@host",
		"http://u:123#45@host", "http://u:p@ho st/?a=b", "http://h/?a=1;b=2&c", "://@?#", "http://%zz@h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := RedactURL(raw)
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		if again := RedactURL(got); u.Host != "" && again != got {
			t.Fatalf("RedactURL(%q) = %q, which redacts to %q", raw, got, again)
		}
		// What may show again: the URL without its userinfo, query values
		// and fragment, the mask, and what follows an '@' redactText kept.
		bare := url.URL{Scheme: u.Scheme, Opaque: u.Opaque, Host: u.Host, Path: u.Path, RawPath: u.RawPath, RawQuery: redactQuery(u.RawQuery)}
		keep := []string{bare.String(), urlMask}
		if i := strings.LastIndexByte(raw, '@'); u.User == nil && i >= 0 {
			keep = append(keep, raw[i:]) // taken for the host
		}
		var secrets []string
		if u.User != nil {
			pw, _ := u.User.Password()
			secrets = append(secrets, u.User.Username(), pw)
		}
		for _, vs := range u.Query() {
			secrets = append(secrets, vs...)
		}
		for _, p := range strings.Split(u.RawQuery, "&") {
			if _, v, ok := strings.Cut(p, "="); ok {
				secrets = append(secrets, v)
			}
		}
		secrets = append(secrets, u.Fragment, u.RawFragment)
		for _, s := range secrets {
			if len(s) < 4 || strings.Contains(strings.Join(keep, "\x00"), s) {
				continue // too short to tell, or also part of what shows
			}
			if strings.Contains(got, s) {
				t.Fatalf("RedactURL(%q) = %q shows %q", raw, got, s)
			}
		}
	})
}
