package workloads

import (
	"fmt"
	"time"
)

func init() { register("azure", openAzure) }

// Azure LLM inference trace columns (Azure/AzurePublicDataset, 2023 and 2024
// traces): request time, prompt tokens, output tokens.
const (
	azureTime   = "TIMESTAMP"
	azureInput  = "ContextTokens"
	azureOutput = "GeneratedTokens"
)

// azureLayouts are the timestamp forms of the published traces:
// "2023-11-16 18:17:03.9799600" (2023, seven-digit fraction, no zone) and
// "2024-05-10 00:00:00.009930+00:00" (2024). Go's parser takes a fraction
// of any length after the seconds even when the layout has none. Times
// without a zone are read as UTC; only differences matter.
var azureLayouts = []string{
	"2006-01-02 15:04:05",
	"2006-01-02 15:04:05Z07:00",
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
}

func openAzure(s Spec) (Source, error) {
	data, err := readInput("azure", s.Path)
	if err != nil {
		return nil, err
	}
	return parseAzure(s.Path, data, s)
}

// parseAzure reads an Azure LLM inference trace CSV. Prompts are text of the
// given length with nothing shared between requests: the trace says nothing
// about prefixes. Rows asking for 0 tokens in or out are skipped and counted.
func parseAzure(name string, data []byte, s Spec) (Source, error) {
	cols := lengthColumns{time: azureTime, in: azureInput, out: azureOutput, parseTime: parseAzureTime}
	return parseLengthCSV(name, data, s, cols, func(_ csvRow, r lengthRec) string {
		switch {
		case r.in == 0:
			return azureInput + " 0"
		case r.out == 0:
			return azureOutput + " 0"
		}
		return ""
	})
}

func parseAzureTime(v string) (int64, error) {
	for _, layout := range azureLayouts {
		t, err := time.Parse(layout, v)
		if err != nil {
			continue
		}
		// UnixNano is defined for years 1678 to 2262 only.
		if t.Year() < 1800 || t.Year() > 2200 {
			return 0, fmt.Errorf("timestamp %q out of range", v)
		}
		return t.UnixNano(), nil
	}
	return 0, fmt.Errorf("want a time like 2023-11-16 18:17:03.9799600, got %q", v)
}
