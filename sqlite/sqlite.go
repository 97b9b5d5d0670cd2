// Package sqlite is the embedded default engine: an invitations.Store on one
// SQLite file (modernc.org/sqlite, no cgo), with its SQL and migrations.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/graph-linkedin/invitations"
)

//go:embed migrations/*.sql
var migrations embed.FS

var _ invitations.Store = (*Store)(nil)

// Store is an invitations.Store on a SQLite file. Writes go through one
// connection (SQLite has one writer at a time anyway), reads through a pool.
type Store struct {
	writer  *sql.DB
	reader  *sql.DB
	now     func() time.Time
	onBatch func(size int)
	// onQueued is Options.OnQueued; nil when unset.
	onQueued func(n int)
	// keyHash is the hash an idempotency key is recorded under (keyHash,
	// but for a test of collisions).
	keyHash func(invitations.IdempotencyKey) int64
	closed  atomic.Bool // database/sql's "database is closed" error is not exported

	writes         chan *writeRequest // to the writer goroutine (see batch.go)
	stopped        chan struct{}      // closed by Close
	loopDone       chan struct{}      // closed when the writer has stopped
	checkpointer   *sql.DB            // the checkpoint loop's connection (see checkpoint.go)
	readStmts      *stmtCache         // prepared statements of the reader pool
	gets           *getPool           // the reads by id's connections (see get.go)
	writeStmts     *stmtCache         // and of the writer (see stmts.go)
	checkpointDone chan struct{}      // closed when the checkpoint loop has stopped
	purgeDone      chan struct{}      // closed when the purge of expired keys has stopped
	closeOnce      sync.Once
}

// errClosed is what a closed Store answers: the instance is going away, so
// the caller should retry (elsewhere).
var errClosed = fmt.Errorf("%w: the database is closed", invitations.ErrUnavailable)

// Options tune a Store; the zero value is ready to use.
type Options struct {
	// Now is the clock for created and lastModified; time.Now when nil.
	Now func() time.Time
	// OnBatch, when set, is told the size of every committed write batch
	// (for metrics). It runs on the writer goroutine: keep it quick.
	OnBatch func(size int)
	// PurgeEvery is how often expired idempotency keys are deleted; every
	// minute when 0, never when negative (PurgeExpiredKeys still does it).
	PurgeEvery time.Duration
	// OnPurge, when set, is told the outcome of every periodic purge that
	// deleted keys or failed (for logs and metrics).
	OnPurge func(deleted int, err error)
	// OnQueued, when set, is told how many notifications each write
	// queued, once it has committed (for metrics, and to wake a
	// dispatcher). It runs on the goroutine of the call that wrote (not the
	// writer's, see batch.go), before the call returns: keep it quick.
	OnQueued func(n int)
}

// defaultPurgeEvery is how often expired idempotency keys are deleted.
const defaultPurgeEvery = time.Minute

// Open opens (creating if needed) the database at path and applies any
// pending migrations.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
	}
	// WAL lets readers run beside the writer; synchronous=FULL makes a
	// commit durable before it returns (a 201 means the row is on disk);
	// the busy timeout waits out another process's write instead of failing.
	const pragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)"
	// The writer leaves checkpoints to checkpointLoop (see checkpoint.go),
	// and keeps its statement journals in memory: every write of a batch
	// runs in a savepoint (see batch.go), whose journal of the pages it
	// changes otherwise spills to a temporary file past 64 KiB and then
	// costs a write(2) per page. The writer sorts nothing, so nothing else
	// of it goes to temp_store.
	writer, err := sql.Open("sqlite", path+"?"+pragmas+"&_pragma=wal_autocheckpoint(0)&_pragma=temp_store(MEMORY)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetConnMaxIdleTime(0)
	reader, err := sql.Open("sqlite", path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	reader.SetMaxOpenConns(max(4, runtime.NumCPU()))
	reader.SetMaxIdleConns(max(4, runtime.NumCPU()))
	checkpointer, err := sql.Open("sqlite", path+"?"+pragmas)
	if err != nil {
		writer.Close()
		reader.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	checkpointer.SetMaxOpenConns(1)

	s := &Store{writer: writer, reader: reader, checkpointer: checkpointer, now: opts.Now, onBatch: opts.OnBatch, onQueued: opts.OnQueued,
		writes: make(chan *writeRequest), stopped: make(chan struct{}), loopDone: make(chan struct{}),
		checkpointDone: make(chan struct{}), purgeDone: make(chan struct{}), readStmts: newStmtCache(reader), writeStmts: newStmtCache(writer),
		gets: newGetPool(path, max(4, runtime.NumCPU()))}
	if s.now == nil {
		s.now = time.Now
	}
	s.keyHash = keyHash
	go s.writeLoop()
	go s.checkpointLoop(checkpointer)
	if err := s.migrate(ctx); err != nil {
		close(s.purgeDone)
		s.Close()
		return nil, err
	}
	for _, q := range writeQueries {
		if _, err := s.writeStmts.get(ctx, q); err != nil {
			s.Close()
			return nil, fmt.Errorf("prepare: %w", err)
		}
	}
	switch every := opts.PurgeEvery; {
	case every == 0:
		go s.purgeLoop(defaultPurgeEvery, opts.OnPurge)
	case every > 0:
		go s.purgeLoop(every, opts.OnPurge)
	default:
		close(s.purgeDone)
	}
	return s, nil
}

func (s *Store) migrate(ctx context.Context) error {
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	provider, err := goose.NewProvider(goose.DialectSQLite3, s.writer, dir, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Close waits for the write in progress, refuses later ones, and closes
// the database.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.stopped)
		getsErr := s.closeGets()
		<-s.loopDone
		<-s.checkpointDone
		<-s.purgeDone
		s.readStmts.close()
		s.writeStmts.close()
		err = errors.Join(getsErr, s.reader.Close(), s.checkpointer.Close(), s.writer.Close())
	})
	return err
}

// Ping reports whether the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.reader.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("%w: sqlite: %v", invitations.ErrUnavailable, err)
	}
	return nil
}

// translate turns a driver error into the domain's kinds, by SQLite's result
// codes rather than message text.
func (s *Store) translate(err error) error {
	var domain *invitations.Error
	if err == nil || errors.As(err, &domain) {
		return err
	}
	if code, ok := resultCode(err); ok {
		switch code {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR,
			sqlite3.SQLITE_CANTOPEN:
			return fmt.Errorf("%w: sqlite: %v", invitations.ErrUnavailable, err)
		}
		switch code & 0xff { // the primary code of an extended one
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR:
			return fmt.Errorf("%w: sqlite: %v", invitations.ErrUnavailable, err)
		}
	}
	if errors.Is(err, sql.ErrConnDone) || s.closed.Load() {
		return errClosed
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: sqlite: %v", invitations.ErrUnavailable, err)
	}
	return err
}

// resultCode is the SQLite result code in err, from the driver or from the
// reads by id (see get.go).
func resultCode(err error) (int, bool) {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code(), true
	}
	var ce *codeError
	if errors.As(err, &ce) {
		return ce.Code(), true
	}
	return 0, false
}

// isBusy reports whether err is SQLite's busy or locked (extended or not).
func isBusy(err error) bool {
	code, ok := resultCode(err)
	return ok && (code&0xff == sqlite3.SQLITE_BUSY || code&0xff == sqlite3.SQLITE_LOCKED)
}

// isUniqueViolation reports whether err is a UNIQUE constraint failure.
func isUniqueViolation(err error) bool {
	code, ok := resultCode(err)
	return ok && code == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}
