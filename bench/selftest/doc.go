// Package selftest measures tokenbench's own client: how many streams it
// holds, what each event costs it in CPU and each stream in memory, how
// late it starts requests, and how far its TTFT and ITL are from the
// truth, against a target whose timing is scripted and which does no
// work.
//
// In: a Script (TTFT, gap between events, events per stream) served by
// Handler, normally in a separate process (StartTarget re-executes the
// tokenbench binary with its hidden selftest-target command, so that the
// target's CPU is not the client's), and Options (streams, duration).
//
// Out: a Result, whose JSON is `tokenbench selftest -o json`. Errors are
// measured minus scripted, so they include the target's own timer
// lateness and the loopback: an upper bound on the client's error.
package selftest
