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
	cols := lengthColumns{time: burstTime, in: burstInput, out: burstOutput, extra: []string{burstModel}, parseTime: parseSeconds}
	return parseLengthCSV(name, data, s, cols, func(row csvRow, r lengthRec) string {
		switch {
		case s.BurstGPTModel != "" && !strings.EqualFold(row.get(burstModel), s.BurstGPTModel):
			return "model not " + s.BurstGPTModel
		case r.out == 0:
			return burstOutput + " 0 (failed request)"
		case r.in == 0:
			return burstInput + " 0"
		}
		return ""
	})
}
