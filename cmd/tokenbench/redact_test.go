package main

import (
	"strings"
	"testing"
)

// What bench.RedactURL hides of a URL never reaches the terminal through
// an error that quotes the URL: userinfo and query values, raw or escaped.
func TestRedactURLSecrets(t *testing.T) {
	tests := []struct {
		url, msg string
		hidden   []string
	}{
		{"http://alice:pw-s3cret@h:1/v1", `Post "http://alice:pw-s3cret@h:1/v1/chat/completions": EOF`, []string{"alice", "pw-s3cret"}},
		{"https://gw.example/v1?api-key=sk-query-123&sig=a/b+c", `Post "https://gw.example/v1?api-key=sk-query-123&sig=a%2Fb%2Bc": reset; sig a/b+c`, []string{"sk-query-123", "a%2Fb%2Bc", "a/b+c"}},
		{"http://h/v1?k=ab", "k=ab stays: too short to replace", nil},
		{"::not a url", "nothing registered", nil},
	}
	for _, tt := range tests {
		f := &Factory{}
		f.addURLSecrets(tt.url)
		got := f.redact(tt.msg)
		for _, h := range tt.hidden {
			if strings.Contains(got, h) {
				t.Errorf("%s: %q still shows %q", tt.url, got, h)
			}
		}
		if len(tt.hidden) == 0 && got != tt.msg {
			t.Errorf("%s: %q changed to %q", tt.url, tt.msg, got)
		}
	}
}
