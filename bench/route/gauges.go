package route

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/tokenbench/tokenbench/bench/scrape"
)

// Poller scrapes each target's engine metrics every interval and keeps the
// latest gauges, for kv-aware routing over real endpoints. Its Gauges
// method is a GaugeFunc.
type Poller struct {
	urls     []string
	interval time.Duration
	client   *http.Client

	mu     sync.Mutex
	latest []Gauges
	ok     []bool
}

// NewPoller returns a poller of the metrics URLs (one per target).
func NewPoller(urls []string, interval time.Duration, client *http.Client) *Poller {
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Second}
	}
	return &Poller{urls: urls, interval: interval, client: client, latest: make([]Gauges, len(urls)), ok: make([]bool, len(urls))}
}

// Run scrapes every target now and then every interval until ctx is done.
func (p *Poller) Run(ctx context.Context) {
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		p.Poll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Poll scrapes every target once, side by side.
func (p *Poller) Poll(ctx context.Context) {
	var wg sync.WaitGroup
	for i, u := range p.urls {
		wg.Go(func() {
			g, ok := p.read(ctx, u)
			p.mu.Lock()
			defer p.mu.Unlock()
			p.latest[i], p.ok[i] = g, ok
		})
	}
	wg.Wait()
}

func (p *Poller) read(ctx context.Context, url string) (Gauges, bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Gauges{}, false
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return Gauges{}, false
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return Gauges{}, false
	}
	r, err := scrape.ParseFormat(resp.Body, resp.Header.Get("Content-Type"))
	if err != nil {
		return Gauges{}, false
	}
	kv, okKV := r.Gauges[scrape.GaugeKVUsage]
	run, okRun := r.Gauges[scrape.GaugeRunning]
	wait, okWait := r.Gauges[scrape.GaugeQueueDepth]
	if !okKV && !okRun && !okWait {
		return Gauges{}, false
	}
	return Gauges{Running: int(run), Waiting: int(wait), KVUsage: kv}, true
}

// Gauges is the latest reading of target i.
func (p *Poller) Gauges(i int) (Gauges, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.latest[i], p.ok[i]
}
