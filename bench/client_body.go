package bench

import "github.com/tokenbench/tokenbench/workloads"

// RequestBody is the JSON body a Client for t sends for req: the same
// bytes, so that an in-process engine on a virtual clock answers exactly as
// it would over HTTP (the built-in engine seeds its answer with the body).
func RequestBody(t Target, req workloads.Request) ([]byte, error) {
	c := &Client{target: t}
	return c.body(req)
}
