package sim

import (
	"hash/fnv"
	"strings"

	"github.com/tokenbench/tokenbench/workloads"
)

// appendTextTokens appends the tokens of text as the prefix cache keys them:
// each word as workloads.ApproxTokens counts it, a word of k tokens giving k
// hashes, so that equal texts give equal tokens and the count is exactly
// ApproxTokens(text).
func appendTextTokens(dst []uint64, text string) []uint64 {
	for _, w := range strings.Fields(text) {
		h := tokenHash(w)
		dst = append(dst, h)
		for j := 1; j < workloads.ApproxTokens(w); j++ {
			dst = append(dst, splitmix64(h+uint64(j)))
		}
	}
	return dst
}

// tokenHash keys a one-token word. An output word (" the") and the same word
// sent back in a later turn's prompt ("the") are the same token.
func tokenHash(word string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(strings.TrimSpace(word)))
	return h.Sum64()
}

// idToken keys a token given by id in a completions prompt.
func idToken(id int64) uint64 { return splitmix64(uint64(id) ^ 0x9b05688c2b3e6c1f) }
