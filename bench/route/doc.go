// Package route picks, for each request, which of several targets serves
// it: the Router that sits between the runner and the clients.
//
// In: a workloads.Request (its prompt, cut into block hashes as an engine's
// prefix cache cuts it), the session it belongs to, and the targets' state
// (requests the router has outstanding on each, and optionally each
// engine's gauges: running and waiting requests, KV-cache usage). Out: a
// Decision (the target's index and the prefix overlap the router expects
// there), recorded with the request (bench.Record's endpoint and route).
//
// Policies (Policy): round-robin; random (seeded); least-outstanding;
// session (every turn of a session to the target its first turn went to);
// prefix-aware (SGLang's cache-aware rule: the longest prefix overlap
// unless the load is imbalanced, then the least loaded; a request that
// matches little anywhere goes to the target with the least cached); and
// kv-aware (in the spirit of Dynamo's KV router: the lowest cost of
// prefill left to do plus load, from the engines' gauges).
//
// The router keeps, per target, the block hashes of the prompts it has
// sent there (a bounded index, oldest blocks forgotten first), whatever
// the policy, so every record carries the overlap its target was expected
// to have: the client-side view of prefix reuse, beside the engine's
// cached_tokens.
//
// Doer routes a bench run over several bench.Doers (real endpoints, or the
// built-in engine started N times); the built-in cluster on the virtual
// clock (package sim) uses the same Router.
package route
