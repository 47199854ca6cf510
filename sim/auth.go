package sim

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// authorized reports whether r may be served: always without API keys;
// with them, a route outside /v1 (health, metrics, tokenize, as vLLM
// leaves them open) or a request whose bearer token is one of the keys.
// The keys are compared in constant time and never written anywhere.
func (e *Engine) authorized(r *http.Request) bool {
	if len(e.cfg.APIKeys) == 0 || r.Method == http.MethodOptions || !strings.HasPrefix(r.URL.Path, "/v1") {
		return true
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	valid := false
	for _, k := range e.cfg.APIKeys {
		if subtle.ConstantTimeCompare([]byte(token), []byte(k)) == 1 {
			valid = true
		}
	}
	return valid
}
