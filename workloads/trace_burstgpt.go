package workloads

import (
	"strings"
)

func init() { register("burstgpt", openBurstGPT) }

// BurstGPT trace columns (HPMLL/BurstGPT): seconds since the trace start,
// the model served (ChatGPT or GPT-4), prompt and response tokens. The
// "Total tokens" and "Log Type" columns are not needed and not required.
const (
	burstTime   = "Timestamp"
	burstModel  = "Model"
	burstInput  = "Request tokens"
	burstOutput = "Response tokens"
)

func openBurstGPT(s Spec) (Source, error) {
	data, err := readInput("burstgpt", s.Path)
	if err != nil {
		return nil, err
	}
	return parseBurstGPT(s.Path, data, s)
}

// parseBurstGPT reads a BurstGPT CSV, keeping the rows of s.BurstGPTModel
// (compared without regard to case; "" keeps all). Rows of other models are
// skipped, and so are rows with 0 response tokens (BurstGPT logs failed
// requests that way; there is nothing to replay) or 0 request tokens; each
// reason is counted in the FileReport.
func parseBurstGPT(name string, data []byte, s Spec) (Source, error) {
	rep := FileReport{Path: name}
	skipped := skips{}
	var recs []lengthRec
	err := readCSV(name, data, []string{burstTime, burstModel, burstInput, burstOutput}, func(row csvRow) error {
		rep.Records++
		r := lengthRec{line: row.line()}
		var err error
		if r.at, err = parseSeconds(row.get(burstTime)); err != nil {
			return row.fail(burstTime, err)
		}
		if r.in, err = parseCount(row.get(burstInput)); err != nil {
			return row.fail(burstInput, err)
		}
		if r.out, err = parseCount(row.get(burstOutput)); err != nil {
			return row.fail(burstOutput, err)
		}
		switch model := row.get(burstModel); {
		case s.BurstGPTModel != "" && !strings.EqualFold(model, s.BurstGPTModel):
			skipped["model not "+s.BurstGPTModel]++
		case r.out == 0:
			skipped[burstOutput+" 0 (failed request)"]++
		case r.in == 0:
			skipped[burstInput+" 0"]++
		default:
			recs = append(recs, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return lengthTraceSource(name, recs, s, rep, skipped)
}
