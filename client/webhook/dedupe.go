package webhook

import "sync"

// Dedupe remembers the ids of the most recent notifications handled, up to
// a number, in memory: enough to drop the repeats of at-least-once delivery
// that come soon after (a POST sent again after your answer was lost, or
// after a later notification of the same POST failed). It forgets the
// oldest id when full, and everything when the process ends. It is safe for
// concurrent use.
type Dedupe struct {
	mu   sync.Mutex
	ids  map[string]struct{}
	ring []string // the ids remembered, oldest at next once full
	next int
}

// NewDedupe returns a Dedupe that remembers the last n ids (n at least 1).
// An id takes about 100 bytes: 10,000 of them about 1 MB.
func NewDedupe(n int) *Dedupe {
	n = max(n, 1)
	return &Dedupe{ids: make(map[string]struct{}, n), ring: make([]string, 0, n)}
}

// Seen reports whether id is remembered.
func (d *Dedupe) Seen(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.ids[id]
	return ok
}

// Add remembers id, forgetting the oldest id if it is full.
func (d *Dedupe) Add(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.ids[id]; ok {
		return
	}
	if len(d.ring) < cap(d.ring) {
		d.ring = append(d.ring, id)
	} else {
		delete(d.ids, d.ring[d.next])
		d.ring[d.next] = id
		d.next = (d.next + 1) % len(d.ring)
	}
	d.ids[id] = struct{}{}
}
