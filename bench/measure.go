package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/tokenbench/tokenbench/workloads"
)

// measurement holds the timestamps and counts of one request in flight.
type measurement struct {
	rec            *Record
	start          time.Time
	first          time.Time
	finishReason   bool
	usage          *usage
	reply          replyBuilder
	tokenEvents    int
	inexactEvents  bool         // an event did not list its tokens
	tp             *tracePoints // of the attempt that counts
	engineTimings  json.RawMessage
	engineMetaInfo json.RawMessage
	keep           usageCopy // where usage points
}

// begin stamps an attempt's t_start at t: its http.Client.Do is entered
// next (or, when its request could not be built, it fails there).
func (m *measurement) begin(t, epoch time.Time) {
	m.start = t
	m.rec.TStartMS = Ms(t.Sub(epoch))
}

// Do sends req, reads the answer and returns its Record (offsets from epoch,
// t_sched = sched) and the Reply for multi-turn sources. Every failure is
// classified in the Record; Do itself never fails.
func (c *Client) Do(ctx context.Context, req workloads.Request, epoch, sched time.Time) (Record, workloads.Reply) {
	return c.do(ctx, req, nil, epoch, sched)
}

// do is Do with body, the request's body encoded ahead (Prepare), or nil.
func (c *Client) do(ctx context.Context, req workloads.Request, body []byte, epoch, sched time.Time) (Record, workloads.Reply) {
	rec := Record{TSchedMS: Ms(sched.Sub(epoch)), TargetInputTokens: req.InputTokens, MaxTokens: req.MaxTokens}
	m := &measurement{rec: &rec}
	if c.target.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.target.Timeout)
		defer cancel()
	}
	// abandon ends the request from the client's side: after [DONE], a body
	// the server holds open is abandoned this way, closing its connection.
	ctx, abandon := context.WithCancel(ctx)
	defer abandon()
	base := ctx
	ctx = m.trace(base, c.now)
	hr, err := c.newRequest(ctx, req, body)
	m.begin(c.now(), epoch)
	if err != nil {
		c.fail(m, ErrBadEvent, err, m.start)
		return rec, workloads.Reply{}
	}
	resp, err := c.http.Do(hr)
	if err != nil && neverReached(ctx, m, err) {
		ctx = m.trace(base, c.now)
		resp, err = c.retry(ctx, m, req, body, epoch)
	}
	if err != nil {
		if resp != nil {
			rec.Status = resp.StatusCode // a redirect loop's last answer
		}
		c.fail(m, classifyTransport(ctx, err, m.phase()), err, c.now())
		return rec, workloads.Reply{}
	}
	defer resp.Body.Close()
	rec.Status = resp.StatusCode
	if e := resp.Header.Get(EndpointHeader); e != "" && rec.Endpoint == "" {
		rec.Endpoint = e // a gateway in front named the replica
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		c.fail(m, statusClass(resp.StatusCode), fmt.Errorf("HTTP %d: %s", resp.StatusCode, c.clip(errorBody(resp.Body), 300)), c.now())
		return rec, workloads.Reply{}
	}
	if why := notAStream(resp); why != "" {
		c.fail(m, ErrBadEvent, fmt.Errorf("HTTP %d with %s, not an event stream: %q", resp.StatusCode, why, c.clip(peek(resp.Body), 120)), c.now())
		return rec, workloads.Reply{}
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct == "application/json" {
		c.readJSON(ctx, m, req, resp.Body)
	} else {
		c.readStream(ctx, m, req, resp.Body)
		if rec.DoneMarker {
			drainAfterDone(resp.Body, abandon)
		}
	}
	return rec, m.replyOf()
}

// phase tells how far the request got, from its trace points.
func (m *measurement) phase() phase {
	if m.tp.gotConn.IsZero() {
		return phaseDial
	}
	return phaseSent
}

// doneDrainBound bounds the wait, after data: [DONE], for the server to end
// the body. A server that holds the body open past it has its connection
// closed (not reused) rather than holding the request's slot.
const doneDrainBound = 100 * time.Millisecond

// drainAfterDone reads what follows [DONE] (normally only the end of the
// chunked body) so that the connection can be reused, for at most
// doneDrainBound; past it the request is abandoned, which closes the
// connection.
func drainAfterDone(body io.Reader, abandon func()) {
	t := time.AfterFunc(doneDrainBound, abandon)
	io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	t.Stop()
}

// notAStream names why a 2xx answer cannot be an OpenAI stream or JSON
// answer: a compressed body (tokenbench asks for none) or a content type
// such as text/html (a login page, a proxy's error page). An absent type,
// text/plain (servers that do not set one) and JSON are read.
func notAStream(resp *http.Response) string {
	if enc := resp.Header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		return "Content-Encoding " + enc
	}
	raw := resp.Header.Get("Content-Type")
	if raw == "" {
		return ""
	}
	ct, _, err := mime.ParseMediaType(raw)
	if err != nil {
		return "Content-Type " + raw
	}
	switch {
	case ct == "text/event-stream", ct == "text/plain", ct == "application/json", strings.HasSuffix(ct, "+json"), ct == "application/x-ndjson":
		return ""
	}
	return "Content-Type " + ct
}

// peek reads the start of a body that will not be used, for the error.
func peek(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 120))
	return string(b)
}

// errorBody reads a short error message from a non-2xx body: the OpenAI
// error.message (or FastAPI detail) when it parses, else the text; the
// caller redacts and shortens it (Client.clip).
func errorBody(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 64<<10))
	var e struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  any             `json:"detail"`
	}
	if json.Unmarshal(b, &e) == nil {
		switch {
		case len(e.Error) > 0 && string(e.Error) != "null":
			msg, _ := inBandError(e.Error)
			return msg
		case e.Message != "":
			return e.Message
		case e.Detail != nil:
			return fmt.Sprint(e.Detail)
		}
	}
	return string(b)
}

func statusClass(code int) string {
	switch {
	case code == http.StatusTooManyRequests:
		return ErrHTTP429
	case code >= 500:
		return ErrHTTP5xx
	default:
		return ErrHTTP4xx // 4xx, and any other non-2xx status
	}
}
