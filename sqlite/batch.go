package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// Group commit. With synchronous=FULL every commit waits for an fsync, and
// SQLite has one writer: one transaction per request would cap writes at
// the disk's fsync rate. Instead one goroutine takes whatever writes are
// waiting, runs each in a savepoint of one transaction (so one failing write
// does not undo the others) and commits them with a single fsync. Every
// caller is answered only after its batch is durable.

// maxBatch bounds how many writes share one transaction.
const maxBatch = 256

// Under a stream of writes (the next arriving within streamGap of a
// commit), the writer gathers a batch for up to gatherWindow, a fraction of
// an fsync. A server spends a while on each request before it writes
// (authentication, validation), on a core it shares with the writer, so
// its writes arrive further apart than a bare handler's; 250 µs cut their
// batches short. In the harness (one core, 32 connections), 1 ms made the
// whole server's durable creates 5-10% faster and its creates with an
// Idempotency-Key about 20% faster; a bare handler calling the store, whose
// writes come close together, lost about 8%.
const (
	streamGap    = 2 * time.Millisecond
	gatherWindow = time.Millisecond
)

// writeRequest is one write waiting for the writer.
type writeRequest struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *sql.Tx) error
	done chan error // the result, once durable (buffered)
}

// write runs fn in a transaction shared with other waiting writes, and
// returns fn's error, or the commit's. Every change to the database goes
// through here: it is the one write path.
//
// fn gets ctx without its cancellation (its values stay). A write the
// writer has taken runs to its end, and its caller waits for it; its
// statements never wait for a lock (the writer holds it); and a
// cancellable context would cost a goroutine per statement, which the
// driver starts to watch it.
func (s *Store) write(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	if err := ctx.Err(); err != nil { // given up already: do nothing
		return err
	}
	req := &writeRequest{ctx: ctx, fn: fn, done: make(chan error, 1)}
	// Hand the write over: at once when the writer is gathering a batch,
	// else when it comes back for the next, unless ctx ends first (the
	// writer may be in a long commit). Only that wait asks for ctx.Done:
	// a request's deadline makes its timer when Done is first asked for
	// (the server's lazyDeadline), about 2 µs a create, and most writes
	// find the writer gathering.
	select {
	case s.writes <- req:
	default:
		select {
		case s.writes <- req:
		case <-s.stopped:
			return errClosed
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	// Taken: the write is in the batch the writer gathers (for at most
	// gatherWindow) and then commits.
	return <-req.done
}

// writeLoop is the writer: it runs until Close, batching what waits. The
// writes channel is unbuffered, so a write is either handed to this loop or
// (once the store is closed) refused: none is left behind in a buffer.
func (s *Store) writeLoop() {
	defer close(s.loopDone)
	batch := make([]*writeRequest, 0, maxBatch)
	// Go 1.23 timers: Stop and Reset leave no stale tick behind.
	gather := time.NewTimer(time.Hour)
	gather.Stop()
	var committed time.Time // when the last batch ended
	for {
		select {
		case req := <-s.writes:
			batch = append(batch[:0], req)
		case <-s.stopped:
			return
		}
		// A write arriving right after a commit means writers are coming
		// in a stream: wait a moment for the ones on their way. Every
		// commit costs an fsync, so a fuller batch is nearly free, and
		// without the wait the writer settles into batches of one and
		// spends the machine on fsyncs. A write after a pause (light
		// load) goes at once.
		window := time.Since(committed) < streamGap
		if window {
			gather.Reset(gatherWindow)
		}
	more:
		for len(batch) < maxBatch {
			if !window {
				select {
				case req := <-s.writes:
					batch = append(batch, req)
					continue
				default:
					break more
				}
			}
			select {
			case req := <-s.writes:
				batch = append(batch, req)
			case <-gather.C:
				break more
			}
		}
		gather.Stop()
		s.commit(batch)
		committed = time.Now()
	}
}

// commit runs a batch in one transaction and answers every request.
func (s *Store) commit(batch []*writeRequest) {
	results := make([]error, len(batch))
	err := s.runBatch(batch, results)
	// Counted before anyone is answered, so that a caller who reads the
	// metrics after its answer finds its write among them.
	if s.onBatch != nil && err == nil {
		s.onBatch(len(batch))
	}
	for i, req := range batch {
		if err != nil {
			results[i] = err
		}
		req.done <- results[i]
	}
}

func (s *Store) runBatch(live []*writeRequest, results []error) error {
	tx, err := s.writer.BeginTx(context.Background(), nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for i, req := range live {
		ctx := context.WithoutCancel(req.ctx)
		if len(live) == 1 { // nothing to isolate it from
			results[i] = req.fn(ctx, tx)
			if results[i] != nil {
				return results[i]
			}
			break
		}
		if err := s.txExec(tx, "SAVEPOINT w"); err != nil {
			return err
		}
		if results[i] = req.fn(ctx, tx); results[i] != nil {
			if err := s.txExec(tx, "ROLLBACK TO w"); err != nil {
				return err
			}
		}
		if err := s.txExec(tx, "RELEASE w"); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// txExec runs one of the batch's own statements, prepared.
func (s *Store) txExec(tx *sql.Tx, query string) error {
	st, err := s.txStmt(context.Background(), tx, query)
	if err == nil {
		_, err = st.Exec()
	}
	return err
}
