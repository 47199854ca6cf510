package workloads

import (
	"math"
	"math/rand/v2"
	"strings"
)

// Prompts that must share exactly what a trace says they share are built
// from token blocks: a block is a deterministic run of one-token Words
// derived from a 64-bit key. Equal keys give equal blocks. Different keys give
// different blocks: the first keyDigits words spell the key in base
// len(Words), so two blocks of at least keyDigits tokens can never be equal
// by chance; the rest is drawn from a PRNG seeded with the whole key.

// keyDigits is the number of words that spell a 64-bit key in base len(Words).
var keyDigits = int(math.Ceil(64 / math.Log2(float64(len(Words)))))

// Domains keep the keys of different uses apart, so that a Mooncake block
// and a shared system prompt built from the same number differ.
const (
	domainBlock  uint64 = 0x6d6f6f6e63616b65 // Mooncake hash ids
	domainTail   uint64 = 0x7461696c7461696c // request-own text past the hash ids
	domainPrompt uint64 = 0x70726f6d70747321 // whole prompts of traces without hash ids
	domainPrefix uint64 = 0x7072656669787321 // WithSharedPrefix system prompts
)

// mix64 is the SplitMix64 finaliser: a bijection of uint64, so distinct
// inputs give distinct outputs.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// blockKey derives the key of id under a seed and a domain. For a fixed seed
// and domain it is a bijection of id (xor with a constant, then mix64), so
// 64-bit ids never collide; another seed gives other text, so that replaying
// a trace with a new seed does not hit the prefix cache an earlier run left.
func blockKey(id, seed, domain uint64) uint64 {
	return mix64(id ^ mix64(seed^domain))
}

// writeBlock appends n words of the block of key to b, separated by single
// spaces (and a space before the first word when b is not empty), so that
// ApproxTokens counts exactly n more tokens.
func writeBlock(b *strings.Builder, key uint64, n int) {
	k := key
	rng := rand.NewPCG(key, 0x626c6f636b)
	var bits uint64
	left := 0 // 21-bit draws left in bits
	for i := 0; i < n; i++ {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		var w string
		if i < keyDigits {
			w = Words[k%uint64(len(Words))]
			k /= uint64(len(Words))
		} else {
			// Three words per 64-bit draw: a Mooncake trace replays
			// billions of tokens. The modulo bias (under 2^-11) does
			// not matter for filler text.
			if left == 0 {
				bits, left = rng.Uint64(), 3
			}
			w = Words[(bits&(1<<21-1))%uint64(len(Words))]
			bits >>= 21
			left--
		}
		b.WriteString(w)
	}
}

// blockText is the text of n words of the block of key.
func blockText(key uint64, n int) string {
	var b strings.Builder
	b.Grow(n * 6)
	writeBlock(&b, key, n)
	return b.String()
}
