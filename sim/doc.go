// Package sim is tokenbench's built-in inference engine: a real HTTP server
// that speaks vLLM's OpenAI-compatible API and answers with the timing a
// given model would have on given GPUs, so that a benchmark runs, and every
// test passes, on a laptop without a GPU. The benchmark client reaches it over
// loopback HTTP like any other server.
//
// In: a Config (GPU, model, precision, tensor parallelism, scheduler limits,
// speculative decoding, faults, API keys) and OpenAI requests (POST
// /v1/chat/completions and /v1/completions, streaming or not; vLLM's
// ignore_eos and min_tokens; logprobs; n; stop; prompt batches;
// response_format). Out: responses whose tokens arrive when the simulated
// GPUs would have produced them, with usage (and
// prompt_tokens_details.cached_tokens) and llama.cpp-style timings, plus
// GET /v1/models and /v1/models/{id}, vLLM's POST /tokenize and
// /detokenize, GET /health and GET /metrics (Prometheus text, vLLM names).
//
// # The OpenAI surface
//
// Requests are checked as vLLM checks them and refused with HTTP 400 in
// current vLLM's error shape, {"error": {"message", "type":
// "BadRequestError", "param", "code": 400}}, whose message names the field
// and the JSON types at fault (never the engine's own): temperature in
// [0, 2], top_p in (0, 1], top_k -1, 0 or at least 1, min_p in [0, 1],
// presence and frequency penalties in [-2, 2], repetition_penalty in
// (0, 2], n at least 1 (and n x prompts at most 128), best_of at least n,
// max_tokens at least 1, logprobs and top_logprobs 0 to 20, no empty stop
// string. Sampling parameters do not change the answer, which is seeded.
//
// n > 1 runs n independent sequences (prefix-cache hits after the first),
// each with its own seeded answer (choice k draws from a seed mixed with k;
// choice 0 is what n = 1 gets); usage counts the prompt once and sums the
// outputs; a stream sends each choice's events with its index. A
// completions prompt that is a list of strings or of token-id lists is a
// batch: n choices per prompt, indexed prompt x n + sample, usage summed.
// A stop string (or list) ends a text answer at the token that completes
// it, as vLLM's detokenizer does (not before min_tokens): finish_reason
// "stop", stop_reason the string, the text cut before it.
// response_format json_object answers {"answer": " w1 ... wn "} of the
// planned length (at least five tokens); json_schema an object of the
// schema's properties written like tool-call arguments; both valid JSON
// unless max_tokens cuts them (finish_reason "length").
//
// POST /tokenize takes vLLM's {"prompt"} or {"messages", "tools"} and
// answers {"count", "max_model_len", "tokens", "token_strs"}: count is
// exactly the usage.prompt_tokens the same text or conversation is charged
// (no chat template, no special tokens), so clients that calibrate prompts
// against it land on the target. Token ids below len(workloads.Words) are
// those words; other pieces get ids hashed into the rest of the model's
// vocabulary, which /detokenize writes as <|id|>.
//
// With Config.APIKeys, the /v1 routes answer 401 (type AuthenticationError,
// same shape) unless the bearer token is one of the keys; /health,
// /metrics, /tokenize and /detokenize stay open, as in vLLM.
//
// # Profiles
//
// GPUs (LookupGPU): every GPU of gpu-reference.md with specs (H100, H200,
// B200, GB200, A100, L40S, L4, MI300X, MI325X, MI355X): dense tensor TFLOPS
// by precision, HBM capacity and bandwidth, scale-up bandwidth, board power.
// Models (LookupModel), from their config.json: llama-3.1-8b, llama-3.1-70b,
// llama-3.3-70b, qwen-2.5-7b, qwen-2.5-32b, gpt-oss-120b (MoE, 128 experts,
// 4 active) and deepseek-v3 (MoE with multi-head latent attention). Names are
// case-insensitive. Weights are bf16, fp8 or fp4 (the embedding and LM head
// stay bf16); the KV cache bf16 or fp8. A GPU without tensor cores for the
// weights' precision runs them at the next wider one it has.
//
// # Step time: a roofline
//
// Each step of the batch costs, on each of the TP ranks,
//
//	StepBase + sequences x DecodePerSeq
//	+ bound(2 x active params x tokens / (peak x MFU),  weight bytes read / (bandwidth x MBU))
//	+ bound(attention FLOPs / (bf16 peak x MFU),       KV bytes read / (bandwidth x MBU))
//	+ all-reduces: 2 per layer of tokens x hidden x 2 bytes over the scale-up link (TP > 1)
//	+ K x DraftCost x (the decoding sequences' forward pass), under speculative decoding
//
// where bound(c, m) = max(c, m) + (1 - Overlap) x min(c, m): each kernel is
// bound by compute or by memory, and near the ridge point reaches neither
// peak. Tokens are prefill chunk tokens plus, for each decoding sequence,
// 1 + K (its last token and the drafts to verify). Attention FLOPs are
// 4 x heads x head_dim per layer and query-context pair (prefill chunks count
// their causal triangle); KV bytes are the context of every sequence in the
// step. Weight bytes read exclude the embedding gather; for MoE models they
// count the expected share of experts a step's tokens touch,
// 1 - (1 - k/E)^tokens, while FLOPs count active parameters. FP4 GEMMs
// reach FP4Efficiency of the FP4 peak beside what FP8 ones reach of theirs.
// Decode is therefore memory-bound and cheap to batch, prefill
// compute-bound, and a mixed step shares one read of the weights.
//
// # Calibration
//
// With the default Timing (MFU 0.50, MBU 0.90, Overlap 0.50, FP4Efficiency
// 0.75, StepBase 1 ms, DecodePerSeq 4 µs) the offline throughput of the
// simulator lands within 20% of every TensorRT-LLM figure of
// gpu-reference.md (perf-overview.md), run as trtllm-bench runs them: all
// requests queued at once (its request counts), a batch limited by the KV
// cache (MaxBatch 2048) and TensorRT-LLM's no-evict admission (NoEvict).
// Output tokens/s of the tensor-parallel group (calibration_test.go):
//
//	row                                 published  predicted   error
//	llama-3.1-8b  H100  TP1 fp8 1000/1000   15220      13214  -13.2%
//	llama-3.1-8b  H100  TP1 fp8  128/2048   22714      19112  -15.9%
//	llama-3.1-8b  H100  TP1 fp8 2048/2048    9305       8569   -7.9%
//	llama-3.1-8b  H200  TP1 fp8 1000/1000   17744      15906  -10.4%
//	llama-3.1-8b  H200  TP1 fp8  128/2048   26221      23870   -9.0%
//	llama-3.1-8b  H200  TP1 fp8 2048/2048   12194      11055   -9.3%
//	llama-3.3-70b H100  TP2 fp8 1000/1000    4205       4277   +1.7%
//	llama-3.3-70b H100  TP2 fp8  128/2048    6651       6537   -1.7%
//	llama-3.3-70b H100  TP2 fp8 2048/2048    3082       2950   -4.3%
//	llama-3.3-70b H200  TP1 fp8 1000/1000    2909       2427  -16.6%
//	llama-3.3-70b H200  TP1 fp8  128/2048    4336       3797  -12.4%
//	llama-3.3-70b H200  TP1 fp8 2048/2048    2003       1765  -11.9%
//	llama-3.3-70b B200  TP1 fp4 1000/1000    7007       7360   +5.0%
//	llama-3.3-70b B200  TP1 fp4  128/2048    9922      11440  +15.3%
//	llama-3.3-70b B200  TP1 fp4 2048/2048    4783       5363  +12.1%
//	llama-3.3-70b GB200 TP1 fp4 1000/1000    7326       7955   +8.6%
//	llama-3.3-70b GB200 TP1 fp4  128/2048   11309      12016   +6.3%
//	llama-3.3-70b GB200 TP1 fp4 2048/2048    5646       5739   +1.7%
//
// Against real vLLM serving (../shared/data/sim2real: 22 deployments, 8
// models), the shipped engine profile "vllm" (profiles/vllm.yaml, fitted by
// Fit on them) predicts TTFT, ITL and E2E at 13.4% mean absolute percentage
// error when replayed on the virtual clock (Replay, Validate); the defaults
// at 35.6% (29.3% with a fresh question per request). docs/ENGINE.md has
// the parameters, the procedure and the table.
//
// The default deployment is vLLM's instead (MaxBatch 256, KV allocated as
// tokens come, preemption when it runs out): on these rows it predicts 0 to
// 30% less (8B on H100, 1000/1000: 12585 tokens/s; 70B on one H200: 2043,
// with 1347 preemptions of 3000 requests).
//
// # Scheduler
//
// A pure scheduler (no clock, no goroutine; times are given to it) does
// continuous batching as vLLM's V1 does. Each step schedules the running
// sequences first, decodes then unfinished prefills, then admits waiting
// ones in arrival order while the batch (MaxBatch), the step's token budget
// (TokenBudget) and the KV cache allow. A prompt longer than what is left of
// the budget is prefilled in chunks over several steps. A sequence emits its
// first token at the end of the step that completes its prefill.
//
// KV cache: HBM x GPUMemoryUtilization minus the weights per rank, divided by
// the KV bytes per token per rank (2 x layers x KV heads / TP x head_dim x
// bytes; MLA's latent is replicated), in blocks of BlockSize (16) tokens.
// Blocks are allocated as tokens are scheduled. When none is free, the
// newest running sequence is preempted: its blocks are freed and it goes
// back to the head of the queue, to recompute its prompt and output so far
// (vllm:num_preemptions_total counts it); no new sequence is admitted in
// that step. With NoEvict a sequence is admitted only when its whole length
// fits beside what the running ones were promised, and none is preempted.
//
// Prefix cache: a full block is keyed by the hash of its tokens chained to
// the block before it; a new sequence reuses the cached blocks of its
// longest cached prefix (at least one token is always computed) and skips
// their prefill. Prompt tokens are the texts' words as
// workloads.ApproxTokens counts them (token ids for completions given
// ids); generated tokens are keyed the same way, so a next turn that sends
// the answer back hits it. Freed blocks keep their contents in an LRU queue
// (a sequence frees its last blocks first) until reallocated.
//
// Speculative decoding (Spec): every decode step verifies K draft tokens,
// position i accepted with probability P when all before it were, drawn
// from a source seeded by the request, and emits 1 + accepted tokens (capped
// by max_tokens): on average 1 + P + ... + P^K (2.7731 for K=4, P=0.7).
// A stream sends one event per step with all its tokens, as vLLM does.
//
// A real-time driver goroutine plans a step, sleeps until its absolute
// deadline (the previous deadline plus the step's duration, so steps chain
// without drift and a late wake-up is caught up by the steps after it
// instead of stretching the run), then hands each sequence's new tokens to
// its handler without ever blocking on a slow client. How late each step's
// tokens were handed out is its lateness (Engine.Lateness, and
// tokenbench:engine_lateness_seconds in /metrics): a run's validity depends
// on the host keeping up. TimeScale multiplies every step's duration, to
// run faster than the GPU.
//
// The driver applies the pipeline terms of Timing as the virtual clock
// does (pipeline.go holds what the two share): a request reaches the
// scheduler FrontendOverhead after its handler submits it; a step's tokens
// are handed out OutputLag step durations after it ends, never before a
// stream's earlier tokens (a queue ordered by due time, so the driver never
// waits on it; lateness is then measured against that due time); under
// AsyncScheduling a request arriving while a step runs is held until the
// next step is planned and joins the one after. The driver is a
// discrete-event loop on the wall clock whose events are step ends,
// requests leaving the frontend and deliveries; Close drops what is
// pending.
//
// # Virtual clock
//
// A VirtualEngine runs the same request handling, answers, scheduler and
// step model on a VirtualClock, a discrete-event clock with no sleeping:
// a step planned at time t ends at t plus its modelled duration, and its
// tokens reach their requests then. RunVirtual drives a workload through
// it with bench.Run's semantics (warm-up, closed loop with ramp-up, open
// loop, timed trace items, sessions with think times, the request and
// duration stops) and writes the records bench.Client would write over
// HTTP: one event per step, usage, cached tokens, timings. Events at one
// time run in the order they were scheduled; a step's tokens are handed
// out after the next step is planned, so a request sent in reply joins the
// step after, as over HTTP. A run is deterministic for a seed. Prompts are
// tokenized from the workload's texts without rendering them to JSON (the
// answer is seeded by the request's other fields and its tokens), so an
// hour of Mooncake trace replays in seconds. Several engines may share one
// clock (VirtualTarget is what a router over them would implement).
// Faults are transport failures and are not simulated there.
//
// # Responses and metrics
//
// Usage carries prompt_tokens_details.cached_tokens. Every response carries
// llama.cpp's timings (cache_n, prompt_n, prompt_ms, prompt_per_token_ms,
// prompt_per_second, predicted_n, predicted_ms, predicted_per_token_ms,
// predicted_per_second and, under speculative decoding, draft_n and
// draft_n_accepted): on the usage chunk of a stream, else on its last chunk,
// and on whole responses. With logprobs, each chunk lists one entry per
// token. /metrics has vllm:num_requests_running, num_requests_waiting,
// kv_cache_usage_perc, prompt_tokens_total, generation_tokens_total,
// request_success_total, num_preemptions_total, prefix_cache_queries_total
// and prefix_cache_hits_total (tokens), spec_decode_num_drafts_total,
// num_draft_tokens_total, num_accepted_tokens_total and
// num_accepted_tokens_per_pos_total{position} (only with speculative
// decoding), and the histograms time_to_first_token_seconds,
// inter_token_latency_seconds (one sample per emitting step),
// e2e_request_latency_seconds and request_queue_time_seconds, all labelled
// model_name and timed on the engine's clock, and the engine's own
// tokenbench:engine_lateness_seconds.
//
// Faults: each generation request draws at most one fault, seeded by Seed and
// its arrival number: reset (the TCP connection closed with RST mid-stream),
// http_500, http_429 (with Retry-After) before any token, stall (no more
// bytes until the client gives up), malformed (an event that is not JSON),
// truncated (the body ends cleanly without finish_reason or [DONE]).
//
// # Tool calls
//
// A chat request that offers tools (OpenAI function definitions) and does not
// set tool_choice "none" is sometimes answered with one function call, as
// vLLM answers with a tool parser: always when tool_choice is "required" or
// names a function, otherwise with probability 1/2, seeded like the text,
// unless the last message is a tool result (then text, so agentic sessions
// converge) or ignore_eos asks for exactly max_tokens tokens. The call
// (toolcall.go) names a seeded function (or the named one), has the id
// call_ and 24 seeded hex digits, and arguments built from the function's
// parameters.properties in their order: a word of workloads.Words for a
// string, a small integer for a number or integer, true for a boolean, null
// for anything else, e.g. {"city": "time", "days": 3}. Its tokens are
// workloads.ApproxTokens of the name plus those of the arguments, capped by
// max_tokens (the arguments' text is then cut, finish_reason "length";
// otherwise "tool_calls"; min_tokens does not lengthen a call). A stream
// sends the role chunk, nothing while the name is generated, then a delta
// with index 0, the id, type function, the name and empty arguments, then
// one argument fragment per token, timed by the scheduler like text; a whole
// response has message.tool_calls and content null. A next turn that sends
// the call back counts its name and arguments as prompt tokens and hits the
// prefix cache on them; /metrics counts a call as finished with "stop".
//
// # Determinism
//
// Output lengths, text, tool calls, logprobs and acceptance draws derive
// from a hash of Seed and the request body: the same request to an engine
// with the same seed gets the same answer. With ignore_eos a request gets exactly
// max_tokens tokens; otherwise a lognormal natural length (median 200
// tokens), at least min_tokens, capped by max_tokens or the context. The
// scheduler is deterministic for a sequence of arrivals; over HTTP, arrival
// order is the clients'.
//
// # Projection
//
// Project scales what a run measured on one deployment to another (another
// GPU, tensor-parallel degree or precision) by the ratio of their modelled
// speeds at the run's operating point (batch, prompt and output lengths),
// splitting each step into its compute-bound, bandwidth-bound and overhead
// time. `tokenbench cost project` prints its figures labelled "projected",
// apart from the measured ones.
//
// # What is not modelled
//
// No real tokenizer or chat template (prompt tokens are ApproxTokens of the
// texts, and of the tool definitions as compact JSON, placed ahead of the
// messages), no sampling (parameters are checked, not applied), no
// schema-constrained values beyond property names and types, no
// parallel tool calls (at most one call per answer, never text and a call
// together). Kernels are rooflines with fitted efficiencies, not profiled
// operators (microsoft/vidur and ai-dynamo/aiconfigurator go further);
// sliding-window attention counts as full; MoE routing is uniform with no expert parallelism; pipeline
// parallelism, CUDA graphs, CPU offload and swapping, and the draft model's
// own KV cache are absent; a preempted sequence recomputes (it is never
// swapped out). Power draw is in the profiles but not simulated.
package sim
