// Package sim is tokenbench's built-in inference engine: a real HTTP server
// that speaks vLLM's OpenAI-compatible API and answers with the timing of
// Llama-3.1-8B on one H100, so that a benchmark runs, and every test passes,
// on a laptop without a GPU. The benchmark client reaches it over loopback
// HTTP like any other server.
//
// In: OpenAI requests (POST /v1/chat/completions, /v1/completions, streaming
// or not; vLLM's ignore_eos and min_tokens extensions). Out: responses whose
// tokens arrive when a simulated GPU would have produced them, with usage,
// plus GET /v1/models, GET /health and GET /metrics (Prometheus text with
// vLLM's metric names: vllm:num_requests_running, vllm:num_requests_waiting,
// vllm:kv_cache_usage_perc, vllm:prompt_tokens_total,
// vllm:generation_tokens_total, vllm:request_success_total).
//
// # What is modelled
//
// A pure scheduler (no clock, no goroutine) does continuous batching as
// vLLM's does: each step runs the decodes of all running sequences, then
// prefill chunks, first of sequences already admitted, then of waiting ones
// admitted in arrival order (FIFO) while the batch (MaxBatch), the step's
// token budget (TokenBudget) and the KV cache (KVCapacityTokens) allow. A
// prompt longer than what is left of the budget is prefilled in chunks over
// several steps (chunked prefill). A sequence emits its first token at the
// end of the step that completes its prefill, then one token per step. A
// sequence reserves KV cache for its prompt and its whole output when it is
// admitted; when the cache or the batch is full, later arrivals wait.
//
// A step lasts
//
//	StepBase + prefill tokens × PrefillPerToken + decoding sequences × DecodePerSeq
//	         + KV tokens read / 1000 × PerKContext
//
// where the KV tokens read are the context of every sequence in the step.
// A real-time driver goroutine plans a step, sleeps until its absolute
// deadline (so steps chain without drift), then hands the step's tokens to
// the requests' handlers without ever blocking on a slow client. New requests
// join at step boundaries; a client that disconnects has its sequence removed.
//
// # Defaults and why
//
//	MaxBatch          256      vLLM's default max_num_seqs
//	TokenBudget       8192     vLLM's default max_num_batched_tokens on large GPUs
//	MaxModelLen       131072   Llama-3.1's context window
//	KVCapacityTokens  488281   (80 GB - 16 GB of weights) / 128 KiB of KV per token
//	StepBase          10 ms    16 GB of weights at 3.35 TB/s, plus launch and sampling overhead
//	PrefillPerToken   20 µs    15 GFLOP per token at the ~750 TFLOP/s of large bf16 GEMMs
//	DecodePerSeq      30 µs    per-sequence GEMM rows, sampling, detokenization
//	PerKContext       40 µs    1000 tokens × 128 KiB of KV read at ~3.3 TB/s
//
// With these, one request with a 512-token prompt sees a TTFT of about 20 ms
// and a TPOT of about 10 ms; 256 concurrent 512-in/128-out requests see
// decode steps of about 24 ms, a mean TPOT of about 33 ms (decodes stall
// behind chunked prefills of the others) and about 5,600 output tokens/s.
// The costs of a step add up where a real engine overlaps prefill compute
// with decode memory traffic, so prefill is charged at the efficient end.
//
// # Determinism
//
// Output lengths and text derive from a hash of Config.Seed and the request
// body: the same request to an engine with the same seed gets the same
// answer. With ignore_eos a request gets exactly max_tokens tokens
// (finish_reason "length"); otherwise a lognormal natural length (median 200
// tokens), at least min_tokens, capped at max_tokens (or 4096 and what the
// context leaves), with finish_reason "length" when the cap stopped it and
// "stop" otherwise. Output text is words of workloads.Words, one token each;
// prompts are counted with workloads.ApproxTokens.
//
// # What is not modelled (yet)
//
// There is no real tokenizer and no chat template (prompt tokens are
// workloads.ApproxTokens of the message texts), no prefix cache, no
// speculative decoding, no preemption or swapping (sequences reserve their
// KV cache up front instead), no n > 1, no logprobs, no tool calls and no
// GPU or model profiles other than the one above. The timing model lives
// behind Timing.StepDuration so that a roofline model can replace it.
package sim
