package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/workloads"
)

// TestSessionHeaderAndEndpoint: a request of a session carries its key in
// X-Session-Id, and the replica a gateway names in X-Tokenbench-Endpoint
// becomes the record's endpoint.
func TestSessionHeaderAndEndpoint(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(EndpointHeader, "replica-of-"+r.Header.Get(SessionHeader))
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n")
		fmt.Fprint(w, "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":1,\"total_tokens\":3}}\n\n")
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	defer srv.Close()
	c, err := NewClient(Target{BaseURL: srv.URL + "/v1", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ session, want string }{{"s7", "replica-of-s7"}, {"", "replica-of-"}} {
		now := time.Now()
		rec, _ := c.Do(WithSession(context.Background(), tt.session), workloads.Request{Prompt: "hello", MaxTokens: 1}, now, now)
		if !rec.OK || rec.Endpoint != tt.want {
			t.Errorf("session %q: ok %v endpoint %q, want %q (%s)", tt.session, rec.OK, rec.Endpoint, tt.want, rec.Error)
		}
	}
}
