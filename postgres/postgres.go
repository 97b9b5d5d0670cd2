// Package postgres is the scale-out engine: an invitations.Store on
// PostgreSQL (or a PostgreSQL-compatible database) through a pgx connection
// pool, with its own SQL and migrations. Any number of server instances can
// share one database.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/graph-linkedin/invitations"
)

//go:embed migrations/*.sql
var migrations embed.FS

var _ invitations.Store = (*Store)(nil)

// Store is an invitations.Store on a PostgreSQL database.
type Store struct {
	pool   *pgxpool.Pool
	now    func() time.Time
	closed atomic.Bool // pgxpool's "closed pool" error is not exported
	// onQueued is Options.OnQueued; nil when unset.
	onQueued func(n int)

	stopPurge func()        // stops the purge of expired keys
	purgeDone chan struct{} // closed when it has stopped
}

// Options tune a Store; the zero value is ready to use.
type Options struct {
	// MaxConns caps the connection pool; pgxpool's default (the larger of
	// 4 and the number of CPUs) when 0. Every instance has its own pool, so
	// instances × MaxConns must stay below the server's max_connections.
	MaxConns int32
	// ConnectTimeout bounds establishing one connection; 5 s when 0.
	ConnectTimeout time.Duration
	// StatementTimeout is the server-side statement_timeout of every
	// connection; the server's own setting when 0. Each call's context
	// bounds it from the client side as well.
	StatementTimeout time.Duration
	// Now is the clock for created and lastModified, and for idempotency
	// keys' expiry; time.Now when nil. (Instances sharing a database should
	// have synchronized clocks.)
	Now func() time.Time
	// PurgeEvery is how often expired idempotency keys are deleted; every
	// minute when 0, never when negative (PurgeExpiredKeys still does it).
	PurgeEvery time.Duration
	// OnPurge, when set, is told the outcome of every periodic purge that
	// deleted keys or failed (for logs and metrics).
	OnPurge func(deleted int, err error)
	// OnQueued, when set, is told how many notifications each write
	// queued, once it has committed (for metrics, and to wake a
	// dispatcher). It runs on the goroutine of the call that wrote, before
	// the call returns: keep it quick.
	OnQueued func(n int)
}

// defaultPurgeEvery is how often expired idempotency keys are deleted.
const defaultPurgeEvery = time.Minute

// migrationLockTimeout is how long Open waits for another instance's
// migration to finish (goose polls the advisory lock once a second).
const migrationLockTimeout = 5 * time.Minute

// Open connects to the database at dsn (a postgres:// URL or a
// keyword=value string) and applies any pending migrations, holding an
// advisory lock so that instances starting together migrate one at a time.
// The database must be reachable now; later outages make calls fail with
// ErrUnavailable until it is back.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	if opts.ConnectTimeout > 0 {
		cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	}
	if opts.StatementTimeout > 0 {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(opts.StatementTimeout.Milliseconds(), 10)
	}
	if err := migrate(ctx, cfg.ConnConfig); err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{pool: pool, now: opts.Now, onQueued: opts.OnQueued, purgeDone: make(chan struct{})}
	if s.now == nil {
		s.now = time.Now
	}
	purgeCtx, stop := context.WithCancel(context.Background())
	s.stopPurge = stop
	switch every := opts.PurgeEvery; {
	case every == 0:
		go s.purgeLoop(purgeCtx, defaultPurgeEvery, opts.OnPurge)
	case every > 0:
		go s.purgeLoop(purgeCtx, every, opts.OnPurge)
	default:
		close(s.purgeDone)
	}
	return s, nil
}

// migrate applies the embedded migrations over a connection of its own
// (goose speaks database/sql), under goose's session-level advisory lock.
func migrate(ctx context.Context, cfg *pgx.ConnConfig) error {
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockTimeout(1, uint64(migrationLockTimeout/time.Second)))
	if err != nil {
		return fmt.Errorf("postgres: migration lock: %w", err)
	}
	db := stdlib.OpenDB(*cfg.Copy())
	defer db.Close()
	provider, err := goose.NewProvider(goose.DialectPostgres, db, dir,
		goose.WithDisableGlobalRegistry(true), goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", translate(err))
	}
	return nil
}

// Close closes the pool, waiting for connections in use to be returned.
func (s *Store) Close() error {
	s.closed.Store(true)
	s.stopPurge()
	<-s.purgeDone
	s.pool.Close()
	return nil
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.pool.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return s.translate(err)
	}
	return nil
}

// maxAttempts bounds the tries of a write that the database aborted for a
// serialization failure or a deadlock: it is safe to run again, and a
// serializable database (CockroachDB, say) asks for exactly that.
const maxAttempts = 3

// write runs fn in a transaction and commits it. Every change to the
// database goes through here: it is the one write path.
func (s *Store) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := pgx.BeginFunc(ctx, s.pool, fn)
		if attempt == maxAttempts || !retryable(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt) * 5 * time.Millisecond)
	}
}

// errClosed is what a closed Store answers: the instance is going away, so
// the caller should retry (elsewhere).
var errClosed = fmt.Errorf("%w: the database is closed", invitations.ErrUnavailable)

// translate turns a driver error into the domain's kinds (see errors.go).
func (s *Store) translate(err error) error {
	if err != nil && s.closed.Load() {
		var domain *invitations.Error
		if !errors.As(err, &domain) {
			return errClosed
		}
	}
	return translate(err)
}
