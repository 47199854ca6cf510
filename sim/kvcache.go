package sim

// blockID names a KV cache block; none marks the end of the free queue.
type blockID int32

const none blockID = -1

// blockPool is a paged KV cache with automatic prefix caching, as vLLM's V1
// block pool: a block holds BlockSize tokens; a full block of a sequence is
// registered under the hash of its tokens chained to the hash of the blocks
// before it, so a later sequence with the same prefix reuses it instead of
// computing it. Blocks no sequence holds stay in a free queue in LRU order
// with their contents: allocation takes the least recently freed one and
// evicts its hash, a prefix hit takes a block out of the queue.
type blockPool struct {
	caching    bool
	ref        []int32  // sequences holding each block
	hash       []uint64 // registered hash of each block, 0 when none
	prev, next []blockID
	head, tail blockID // the free queue: head is evicted first
	free       int
	cached     map[uint64]blockID
}

func newBlockPool(blocks int, caching bool) *blockPool {
	p := &blockPool{
		caching: caching,
		ref:     make([]int32, blocks),
		hash:    make([]uint64, blocks),
		prev:    make([]blockID, blocks),
		next:    make([]blockID, blocks),
		head:    none,
		tail:    none,
		cached:  map[uint64]blockID{},
	}
	for b := range blocks {
		p.pushTail(blockID(b))
	}
	return p
}

// numFree is the number of blocks no sequence holds.
func (p *blockPool) numFree() int { return p.free }

// usage is vLLM's kv_cache_usage_perc: the share of blocks held by sequences
// (cached blocks in the free queue count as free).
func (p *blockPool) usage() float64 { return 1 - float64(p.free)/float64(len(p.ref)) }

func (p *blockPool) pushTail(b blockID) {
	p.prev[b], p.next[b] = p.tail, none
	if p.tail == none {
		p.head = b
	} else {
		p.next[p.tail] = b
	}
	p.tail = b
	p.free++
}

func (p *blockPool) unlink(b blockID) {
	if p.prev[b] == none {
		p.head = p.next[b]
	} else {
		p.next[p.prev[b]] = p.next[b]
	}
	if p.next[b] == none {
		p.tail = p.prev[b]
	} else {
		p.prev[p.next[b]] = p.prev[b]
	}
	p.free--
}

// allocate takes the least recently freed block, evicting its cached
// contents. The caller checks numFree first.
func (p *blockPool) allocate() blockID {
	b := p.head
	p.unlink(b)
	if h := p.hash[b]; h != 0 {
		delete(p.cached, h)
		p.hash[b] = 0
	}
	p.ref[b] = 1
	return b
}

// lookup returns the block cached under h.
func (p *blockPool) lookup(h uint64) (blockID, bool) {
	if !p.caching {
		return none, false
	}
	b, ok := p.cached[h]
	return b, ok
}

// touch adds a holder to a cached block, taking it out of the free queue
// when it had none.
func (p *blockPool) touch(b blockID) {
	if p.ref[b] == 0 {
		p.unlink(b)
	}
	p.ref[b]++
}

// release drops a holder; a block nobody holds joins the free queue's tail,
// keeping its contents for later hits until it is reallocated.
func (p *blockPool) release(b blockID) {
	p.ref[b]--
	if p.ref[b] == 0 {
		p.pushTail(b)
	}
}

// register caches a full block under h, unless another block already holds
// the same contents (two sequences computed it at once): vLLM keeps the
// first.
func (p *blockPool) register(b blockID, h uint64) {
	if !p.caching || p.hash[b] != 0 {
		return
	}
	if _, ok := p.cached[h]; ok {
		return
	}
	p.cached[h] = b
	p.hash[b] = h
}

// chainHash is the hash of a block: its tokens chained to the hash of the
// block before it (0 for the first), never 0 itself.
func chainHash(parent uint64, tokens []uint64) uint64 {
	h := splitmix64(parent ^ 0x6a09e667f3bcc909)
	for _, t := range tokens {
		h = splitmix64(h ^ t)
	}
	return h | 1
}
