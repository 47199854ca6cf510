package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tokenbench/tokenbench/bench"
)

// preflight sends the probe request; a wrong key, URL or model stops the
// run before it sends its load (exit 2), a server nobody answers at stops
// it too (exit 1). Any other failure is only reported: it is the server's
// behaviour, which the run is there to measure.
func (e *runEnv) preflight(ctx context.Context) error {
	rec, err := bench.Preflight(ctx, e.target, bench.WithHTTPClient(&http.Client{Transport: sideTransport}))
	var pe *bench.PreflightError
	switch {
	case errors.As(err, &pe) && pe.Class == bench.ErrConnect:
		return err
	case errors.As(err, &pe):
		return usageError{err}
	case err != nil:
		return err
	case !rec.OK:
		e.say("tokenbench: the pre-flight request failed (%s, HTTP %d: %s); running anyway", rec.ErrorClass, rec.Status, rec.Error)
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
