package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"
)

// Prewarm bounds and defaults (Load.Prewarm).
const (
	// PrewarmTimeout bounds the whole warming, dials and handshakes
	// included; connections not open by then are left to the run.
	PrewarmTimeout = 10 * time.Second
	// MaxPrewarm caps the connections warmed ahead of an open loop with
	// no concurrency cap (one second of arrivals, at most this many).
	MaxPrewarm = 4096
	// prewarmBodyLimit is the most of a warming answer read so that its
	// connection can be reused; a longer answer's connection is dropped.
	prewarmBodyLimit = 1 << 20
)

// Prewarmer is a Doer that can open connections to its target before the
// measured phase, so that the first requests do not wait for a dial and a
// TLS handshake. *Client is one.
type Prewarmer interface {
	Prewarm(ctx context.Context, n int) PrewarmResult
}

// PrewarmResult is what warming the connection pool did (run.json's
// health.prewarm).
type PrewarmResult struct {
	// Asked is how many connections were to be opened.
	Asked int `json:"asked"`
	// Opened counts new connections established (dial and, for TLS, the
	// handshake) and left in the pool; Reused counts warming requests that
	// found one open already (HTTP/2 multiplexes one connection).
	Opened int `json:"opened"`
	Reused int `json:"reused"`
	// Dropped counts opened connections the server closed after its
	// answer (Connection: close), which the run cannot use.
	Dropped int `json:"dropped,omitempty"`
	// Failed counts warming requests that got no connection; Error is the
	// first one's error.
	Failed int    `json:"failed"`
	Error  string `json:"error,omitempty"`
	// TookMS is how long the warming took.
	TookMS float64 `json:"took_ms"`
}

// Prewarm opens n connections to the target and leaves them idle in the
// pool: n requests for GET {base}/models (cheap on every OpenAI-compatible
// server; the answer, even an error, is read and dropped), each holding
// its connection until all n have one, so that none reuses another's.
// It never fails the run: what could not be opened is counted, and the
// run's requests then dial as they would have.
func (c *Client) Prewarm(ctx context.Context, n int) PrewarmResult {
	res := PrewarmResult{Asked: n}
	if n <= 0 {
		return res
	}
	start := c.now()
	ctx, cancel := context.WithTimeout(ctx, PrewarmTimeout)
	defer cancel()
	url := c.target.endpoint("/models")

	var (
		mu       sync.Mutex
		arrived  int
		release  = make(chan struct{})
		released bool
	)
	// arrive counts a request that has its connection (or failed to get
	// one); the last one releases them all.
	arrive := func() {
		mu.Lock()
		defer mu.Unlock()
		if arrived++; arrived == n && !released {
			released = true
			close(release)
		}
	}
	go func() {
		<-ctx.Done() // the timeout: release whoever has a connection
		mu.Lock()
		defer mu.Unlock()
		if !released {
			released = true
			close(release)
		}
	}()

	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := false
			trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
				got = true
				mu.Lock()
				if info.Reused {
					res.Reused++
				} else {
					res.Opened++
				}
				mu.Unlock()
				arrive()
				<-release // hold the connection until every request has one
			}}
			kept, err := c.warmOne(httptrace.WithClientTrace(ctx, trace), url)
			if got && !kept {
				mu.Lock()
				res.Dropped++
				mu.Unlock()
			}
			if !got {
				mu.Lock()
				res.Failed++
				if res.Error == "" && err != nil {
					res.Error = c.clip(err.Error(), 300)
				}
				mu.Unlock()
				arrive()
			}
		}()
	}
	wg.Wait()
	res.TookMS = Ms(c.now().Sub(start))
	return res
}

// warmOne sends one warming request and reads its answer to the end, so
// that its connection goes back to the pool; kept says it did.
func (c *Client) warmOne(ctx context.Context, url string) (kept bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, err
	}
	c.target.authorize(req.Header)
	resp, err := c.http.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, io.LimitReader(resp.Body, prewarmBodyLimit+1))
	return err == nil && n <= prewarmBodyLimit && !resp.Close, err
}

// AutoPrewarm is how many connections to warm for l: a closed loop's
// concurrency; for an open loop, the arrivals of its first second (at
// most its cap on requests in flight, and at most MaxPrewarm).
func AutoPrewarm(l Load) int {
	if l.Arrival == nil {
		return l.Concurrency
	}
	limit := MaxPrewarm
	if l.Concurrency > 0 {
		limit = min(limit, l.Concurrency)
	}
	n := 0
	for n < limit && l.Arrival.Offset(uint64(n)) < time.Second {
		n++
	}
	return max(n, 1)
}
