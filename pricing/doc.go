// Package pricing turns measured throughput into cost per million tokens per
// GPU type. It is a leaf: it imports nothing of tokenbench.
//
// In: a Catalog of GPU types (specs, board power, and prices per GPU-hour,
// each with tier, provider, source and date), embedded from catalog.yaml
// (Load) and optionally merged with a user's prices file (LoadFile, Merge);
// the Options that pick a price (GPU type, GPU count, tier, provider, or a
// one-off price); and a run's Throughput in tokens/s for the whole endpoint,
// as summary.json gives it. For sweeps, Points of interactivity (1000 / TPOT
// ms) against throughput per GPU.
//
// Out: a Cost per run (Estimate, NewCost): USD per million output, input,
// total and good-output tokens, each naming its price source and GPU count,
// plus energy per output token and tokens/s per MW; and for sweeps the
// Pareto front and the throughput per GPU at a target interactivity
// (ParetoFront, ThroughputAt), from which CostPerMTok prices that target:
// ReadSweep reads a sweep's directory (each point's summary.json through a
// RunReader: report.ReadSweepRun, since summaries are report's type),
// PriceSweep prices it at a target
// interactivity at every tier, and NewPlan turns it into replicas, GPUs and
// dollars per hour and month for a load; Compare prices sweeps measured on
// different GPU types at one target, in one table by GPU type and tier.
//
// The formulas are METRICS.md's, which follow SemiAnalysis's InferenceX:
//
//	usd_per_mtok = usd_per_gpu_hour * gpus / (tokens_per_s * 3600) * 1e6
//
// with tokens_per_s the output, input, total or good-output throughput. Each
// figure charges the whole GPU-hour to one token type, so they do not add
// up: output cost plus input cost is not the cost of a request, and total
// cost is not their sum. A figure whose throughput is zero or unknown is
// absent (nil, JSON null), never Inf.
//
// One rule for a price: CheckPrice (finite, > 0, at most MaxUSDPerGPUHour
// USD per GPU-hour) holds for --price of every cost command, for the
// catalog's and a prices file's entries and for every quote; the cost
// commands also share CheckInteractivity and CheckSelection.
package pricing
