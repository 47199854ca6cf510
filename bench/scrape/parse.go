package scrape

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// acceptHeader asks for the classic text format, which every engine speaks
// (vLLM and SGLang through prometheus_client, llama.cpp and TGI natively);
// anything else is still decoded when a server sends it regardless.
const acceptHeader = "text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1"

// series is one sample line of a family: its labels and value.
type series struct {
	labels map[string]string
	value  float64
}

// families is a parsed exposition reduced to what scrape reads: the gauge,
// counter and untyped series of each family, by family name. Histograms and
// summaries are left out: no canonical quantity comes from them.
type families map[string][]series

// Parse reads Prometheus text exposition (format 0.0.4) and returns the
// canonical reading of it: the engine detected and its quantities.
func Parse(r io.Reader) (Reading, error) {
	return ParseFormat(r, "")
}

// ParseFormat is Parse for a body sent with the given Content-Type: the
// OpenMetrics and delimited-protobuf formats are decoded as such, anything
// else (including an empty or unknown type) as the text format.
func ParseFormat(r io.Reader, contentType string) (Reading, error) {
	br := bufio.NewReader(r)
	if isJSONBody(br, contentType) {
		return parseTRTLLMJSON(br)
	}
	fams, err := decode(br, contentType)
	if err != nil {
		return Reading{}, err
	}
	return canonical(fams)
}

// isJSONBody reports a JSON answer (trtllm-serve's iteration stats) by its
// content type or, when the type says nothing, its first non-blank byte.
func isJSONBody(br *bufio.Reader, contentType string) bool {
	if mt, _, _ := mime.ParseMediaType(contentType); mt == "application/json" {
		return true
	}
	for i := 1; i <= 64; i++ {
		b, err := br.Peek(i)
		if err != nil || len(b) < i {
			return false
		}
		switch b[i-1] {
		case ' ', '\t', '\r', '\n':
			continue
		case '[':
			return true
		}
		return false
	}
	return false
}

// decode parses a body with expfmt. The text parser validates names with
// the UTF-8 scheme, which accepts the colon of vllm:*, sglang:* and
// llamacpp:* names (the legacy scheme does too; expfmt v0.73 has no default
// and rejects everything with UnsetValidation).
func decode(r io.Reader, contentType string) (families, error) {
	h := http.Header{}
	h.Set("Content-Type", contentType)
	format := expfmt.ResponseFormat(h)
	switch format.FormatType() {
	case expfmt.TypeOpenMetrics, expfmt.TypeProtoDelim:
		return decodeStream(r, format)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("scrape: parse metrics text: %w", err)
	}
	fams := families{}
	for _, mf := range mfs {
		fams.add(mf)
	}
	return fams, nil
}

// decodeStream reads the formats expfmt only offers through its Decoder.
func decodeStream(r io.Reader, format expfmt.Format) (families, error) {
	dec := expfmt.NewDecoder(r, format)
	fams := families{}
	for {
		mf := &dto.MetricFamily{}
		err := dec.Decode(mf)
		if errors.Is(err, io.EOF) {
			return fams, nil
		}
		if err != nil {
			return nil, fmt.Errorf("scrape: parse metrics (%s): %w", format, err)
		}
		fams.add(mf)
	}
}

// add keeps the scalar series of mf. Non-finite values (NaN, ±Inf) carry no
// quantity and could not be written as JSON, so they are not kept.
func (f families) add(mf *dto.MetricFamily) {
	for _, m := range mf.GetMetric() {
		var v float64
		switch mf.GetType() {
		case dto.MetricType_COUNTER:
			v = m.GetCounter().GetValue()
		case dto.MetricType_GAUGE:
			v = m.GetGauge().GetValue()
		case dto.MetricType_UNTYPED:
			v = m.GetUntyped().GetValue()
		default:
			continue
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		labels := make(map[string]string, len(m.GetLabel()))
		for _, lp := range m.GetLabel() {
			labels[lp.GetName()] = lp.GetValue()
		}
		f[mf.GetName()] = append(f[mf.GetName()], series{labels: labels, value: v})
	}
	if _, ok := f[mf.GetName()]; !ok {
		// A family with only histogram or summary series still counts as
		// present for engine detection.
		f[mf.GetName()] = nil
	}
}
