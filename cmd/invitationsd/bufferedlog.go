package main

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// bufferedLog batches the log's writes: one write(2) per request line costs a
// busy server more than the line itself. Lines are written out every
// flushEvery, when the buffer fills, and on Close; a crash loses at most
// the last flushEvery of log lines, never any data.
type bufferedLog struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

const flushEvery = 100 * time.Millisecond

func newBufferedLog(w io.Writer) *bufferedLog {
	b := &bufferedLog{w: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go b.flushLoop()
	return b
}

// Write buffers p, which slog hands over one whole line at a time.
func (b *bufferedLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Write(p)
}

func (b *bufferedLog) flushLoop() {
	defer close(b.done)
	tick := time.NewTicker(flushEvery)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			b.flush()
		case <-b.stop:
			b.flush()
			return
		}
	}
}

func (b *bufferedLog) flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Flush()
}

// Close writes out what is buffered and stops the flushing.
func (b *bufferedLog) Close() error {
	close(b.stop)
	<-b.done
	return nil
}
