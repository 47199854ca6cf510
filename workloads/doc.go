// Package workloads decides what tokenbench sends and when.
//
// In: flags or scenario settings (token lengths, seeds, rates). Out: a Source
// of Items, each an API-neutral Request with an optional intended start offset,
// and an Arrival process that paces Items that carry no offset of their own.
//
// A Shard splits a Source and an Arrival over several processes so that,
// together, they send exactly what one process would (run --shard i/N).
// Every file-based kind is read and validated whole when it is opened (session
// files in a first pass, then replayed lazily), so bad input fails before
// anything is sent; a finite Source reports its Plan (how many items, on
// what clock, over what span), from which a run picks its defaults and
// counts what a stop condition held back.
//
// workloads is a leaf: it imports nothing else of tokenbench, so a Source can
// be tested, inspected and converted without sending a request. Everything
// here is deterministic for a seed and pure with respect to time: arrival
// processes are functions of elapsed time and requests sent, never of the
// wall clock, so they are tested without sleeping.
package workloads
