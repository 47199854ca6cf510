package report

import (
	"math"

	"github.com/tokenbench/tokenbench/bench"
)

func fp(v float64) *float64 { return &v }
func ip(v int) *int         { return &v }

// fixtureRecords is a small run whose every statistic is worked out by hand
// in aggregate_test.go. Times are ms from the run's start.
//
//	id  ok  sched   start  ttft  e2e   done  in   out  tpot  events
//	w0  yes 0       0      10    5000  5000  (warm-up: excluded everywhere)
//	r1  yes 999.5   1000   50    250   1250  100  5    50    50 90 150 200 250
//	r2  yes 1100    1102   100   500   1602  200  5    100   100 200 300 400 500
//	r3  yes 1200    1201   30    130   1331  50   1    -     30
//	r4  5xx 1300    1300   -     20    1320  (70 tokens sent, not counted)
//	r5  5xx 1400    1400   -     10    1410
//	r6  t/o 1499.5  1500   -     1500  3000
//
// Window [1000, 3000] = 2 s.
func fixtureRecords() []bench.Record {
	return []bench.Record{
		{RequestID: "w0", OK: true, Status: 200, Warmup: true, TTFTMS: fp(10), E2EMS: 5000,
			InputTokens: 1000, OutputTokens: 1000, TPOTMS: fp(1), EventsMS: []float64{10, 11, 5000}},
		{RequestID: "r1", OK: true, Status: 200, TSchedMS: 999.5, TStartMS: 1000, TTFTMS: fp(50), E2EMS: 250,
			TPOTMS: fp(50), EventsMS: []float64{50, 90, 150, 200, 250}, DoneMarker: true,
			InputTokens: 100, OutputTokens: 5, CachedTokens: ip(20), TokensSource: bench.TokensFromUsage},
		{RequestID: "r2", OK: true, Status: 200, TSchedMS: 1100, TStartMS: 1102, TTFTMS: fp(100), E2EMS: 500,
			TPOTMS: fp(100), EventsMS: []float64{100, 200, 300, 400, 500}, DoneMarker: true,
			InputTokens: 200, OutputTokens: 5, TokensSource: bench.TokensFromEstimate},
		{RequestID: "r3", OK: true, Status: 200, TSchedMS: 1200, TStartMS: 1201, TTFTMS: fp(30), E2EMS: 130,
			EventsMS: []float64{30}, DoneMarker: true,
			InputTokens: 50, OutputTokens: 1, TokensSource: bench.TokensFromUsage},
		{RequestID: "r4", ErrorClass: bench.ErrHTTP5xx, Status: 503, TSchedMS: 1300, TStartMS: 1300, E2EMS: 20,
			InputTokens: 70},
		{RequestID: "r5", ErrorClass: bench.ErrHTTP5xx, Status: 500, TSchedMS: 1400, TStartMS: 1400, E2EMS: 10},
		{RequestID: "r6", ErrorClass: bench.ErrTimeout, TSchedMS: 1499.5, TStartMS: 1500, E2EMS: 1500},
	}
}

// allFailedRecords is a run where nothing succeeded.
func allFailedRecords() []bench.Record {
	return []bench.Record{
		{RequestID: "f1", ErrorClass: bench.ErrConnect, TSchedMS: 0, TStartMS: 0.25, E2EMS: 3},
		{RequestID: "f2", ErrorClass: bench.ErrHTTP429, Status: 429, TSchedMS: 500, TStartMS: 500, E2EMS: 1000},
	}
}

func summarize(recs []bench.Record) *Summary {
	a := NewAggregator()
	for _, r := range recs {
		a.Add(r)
	}
	return a.Close()
}

// popStd is the population standard deviation, written out plainly.
func popStd(xs ...float64) float64 {
	var m float64
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	var v float64
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	return math.Sqrt(v / float64(len(xs)))
}
