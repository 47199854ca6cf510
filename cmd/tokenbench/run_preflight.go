package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tokenbench/tokenbench/bench"
)

// preflight sends the probe request to the run's endpoint, or to each of
// urls when the run routes over several: a wrong key, URL or model on any
// of them stops the run before it sends its load (exit 2), a server nobody
// answers at stops it too (exit 1). Any other failure is only reported: it
// is the server's behaviour, which the run is there to measure.
func (e *runEnv) preflight(ctx context.Context, urls []string) error {
	targets := []bench.Target{e.target}
	if len(urls) > 1 {
		targets = targets[:0]
		for _, u := range urls {
			t := e.target
			t.BaseURL = u
			targets = append(targets, t)
		}
	}
	for _, t := range targets {
		rec, err := bench.Preflight(ctx, t, bench.WithHTTPClient(&http.Client{Transport: sideTransport}))
		var pe *bench.PreflightError
		usage := errors.As(err, &pe) && pe.Class != bench.ErrConnect
		if err != nil && len(targets) > 1 {
			err = fmt.Errorf("endpoint %s: %w", bench.RedactURL(t.BaseURL), err)
		}
		switch {
		case usage:
			return usageError{err}
		case err != nil:
			return err
		case !rec.OK:
			e.say("tokenbench: the pre-flight request to %s failed (%s, HTTP %d: %s); running anyway", bench.RedactURL(t.BaseURL), rec.ErrorClass, rec.Status, rec.Error)
		}
	}
	return nil
}

// modelsHint explains a failed GET /models by its status.
func modelsHint(t bench.Target, err error) string {
	status := 0
	var ae *openai.APIError
	var re *openai.RequestError
	switch {
	case errors.As(err, &ae):
		status = ae.HTTPStatusCode
	case errors.As(err, &re):
		status = re.HTTPStatusCode
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		if t.APIKey == "" {
			return "the server wants credentials and none were given: pass --api-key or set $OPENAI_API_KEY"
		}
		return "the server refused the API key given (--api-key or $OPENAI_API_KEY)"
	case status == http.StatusNotFound:
		return fmt.Sprintf("no /models under %s: is it the OpenAI base URL (usually ending in /v1)? Or give --model", bench.RedactURL(t.BaseURL))
	}
	return ""
}
