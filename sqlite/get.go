package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unsafe"

	"modernc.org/libc"
	"modernc.org/libc/sys/types"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/graph-linkedin/invitations"
)

// The read by id is hand-written on SQLite's C API (modernc.org/sqlite/lib,
// the transpiled library the driver itself calls) instead of going through
// database/sql: there a get cost 10–14 µs and 65 allocations in the store
// (BenchmarkGet/background, 2 cores, at b86b5bf), most of them database/sql's
// (a driver.Value per column, the Rows, Scan's conversions) and the
// driver's (every column's name and declared type, read anew for each
// query). Here it costs 4.4–5.8 µs and one allocation (two with a
// message), about half of it the fcntl(2) calls of the WAL's read lock,
// which both pay; and the full stack's get is bounded by this read (issue
// 13, target 3; see BENCHMARKS.md). Everything else still reads through
// the reader pool.

// selectInvitation is the read by id; its columns are readColumns.
const selectInvitation = `SELECT ` + readColumns + ` FROM invitations WHERE tenant = ? AND id = ?`

// The read's columns, by their position in readColumns.
const (
	colID = iota
	colTenant
	colInviter
	colInvitee
	colHasMessage
	colTemplateID
	colBody
	colTrackingID
	colCreated
	colLastModified
	colVersion
	colState
	colClosed
)

// getConn is one SQLite connection of the reads by id, with the read
// prepared on it. One goroutine uses it at a time (the pool hands it out),
// so its libc.TLS (the C thread's state: its stack, its errno) is used by
// one goroutine at a time, as the driver's connections' are. It keeps
// SQLite's own mutexes all the same, as the driver opens its connections
// (SQLITE_OPEN_FULLMUTEX): without them (SQLITE_OPEN_NOMUTEX) a read took
// no measurably less time (BenchmarkGet/background, 6.7–7.4 against
// 6.6–6.9 µs, alternated three times).
type getConn struct {
	tls  *libc.TLS
	db   uintptr // sqlite3*
	stmt uintptr // sqlite3_stmt* of selectInvitation
	// args is C memory the bound tenant and id are copied to (SQLite reads
	// a bound value in place, SQLITE_STATIC), argsCap bytes, reused by
	// every read and grown when a pair is longer.
	args    uintptr
	argsCap int
}

// getPool holds the reads' connections: a slot for each of at most
// cap(slots), nil until its connection is first needed. A channel rather
// than a sync.Pool, which drops what it holds when it likes, and what it
// would drop here is C memory and an open file.
type getPool struct {
	path  string
	slots chan *getConn
}

func newGetPool(path string, size int) *getPool {
	p := &getPool{path: path, slots: make(chan *getConn, size)}
	for range size {
		p.slots <- nil
	}
	return p
}

// take returns a connection, opening the slot's if it has none yet; put
// gives it back. A take waiting for a slot ends when the Store closes.
func (s *Store) take() (*getConn, error) {
	var c *getConn
	select {
	case c = <-s.gets.slots:
	case <-s.stopped:
		return nil, errClosed
	}
	if s.closed.Load() {
		// Close waits for every slot; this one it gets back at once.
		s.gets.slots <- c
		return nil, errClosed
	}
	if c != nil {
		return c, nil
	}
	c, err := openGetConn(s.gets.path)
	if err != nil {
		s.gets.slots <- nil
		return nil, err
	}
	return c, nil
}

// put returns c to the pool; after an error other than a busy or locked
// database, c is closed and its slot left to open a new connection, rather
// than keep a connection in a state nobody has seen.
func (s *Store) put(c *getConn, err error) {
	if err != nil && !isBusy(err) {
		c.close()
		c = nil
	}
	s.gets.slots <- c
}

// closeGets closes every connection of the pool, waiting for those in use:
// a read holds one for microseconds, or for the busy timeout at most. Close
// calls it once new reads are refused (s.closed is set, s.stopped closed).
func (s *Store) closeGets() error {
	var errs []error
	for range cap(s.gets.slots) {
		if c := <-s.gets.slots; c != nil {
			errs = append(errs, c.close())
		}
	}
	return errors.Join(errs...)
}

// Invitation returns the tenant's invitation with this id.
//
// The read ignores ctx: a read by primary key takes microseconds, and what
// it may wait for, a lock, is bounded by the busy timeout.
func (s *Store) Invitation(_ context.Context, tenant, id string) (invitations.Invitation, error) {
	c, err := s.take()
	if err != nil {
		return invitations.Invitation{}, s.translate(err)
	}
	inv, found, err := c.invitation(tenant, id)
	s.put(c, err)
	switch {
	case err != nil:
		return invitations.Invitation{}, s.translate(err)
	case !found:
		return invitations.Invitation{}, invitations.NotFoundError(id)
	}
	return inv, nil
}

// openGetConn opens a connection to the database at path with the reader
// pool's settings (see Open) and prepares the read on it. The database
// exists and is migrated: Open has run.
func openGetConn(path string) (_ *getConn, err error) {
	c := &getConn{tls: libc.NewTLS()}
	defer func() {
		if err != nil {
			c.close()
		}
	}()
	zPath, err := libc.CString(path)
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(c.tls, zPath)
	ppDB, err := c.malloc(int(unsafe.Sizeof(uintptr(0))))
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(c.tls, ppDB)
	rc := sqlite3.Xsqlite3_open_v2(c.tls, zPath, ppDB, sqlite3.SQLITE_OPEN_READWRITE|sqlite3.SQLITE_OPEN_FULLMUTEX, 0)
	// SQLite may return a handle even when the open fails; the handle holds
	// the error's message and must be closed.
	c.db = *(*uintptr)(cPointer(ppDB))
	if rc != sqlite3.SQLITE_OK {
		return nil, fmt.Errorf("open %s: %w", path, c.errorOf(rc))
	}
	if rc := sqlite3.Xsqlite3_extended_result_codes(c.tls, c.db, 1); rc != sqlite3.SQLITE_OK {
		return nil, c.errorOf(rc)
	}
	// The reader pool's pragmas (WAL is the file's).
	if err := c.exec("PRAGMA busy_timeout = 5000; PRAGMA query_only = 1"); err != nil {
		return nil, err
	}
	if c.stmt, err = c.prepare(selectInvitation); err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	if c.args, err = c.malloc(64); err != nil {
		return nil, err
	}
	c.argsCap = 64
	return c, nil
}

// close finalizes c's statement, closes its connection and frees its C
// memory; it is safe on a connection half opened.
func (c *getConn) close() error {
	var err error
	if c.stmt != 0 {
		sqlite3.Xsqlite3_finalize(c.tls, c.stmt)
		c.stmt = 0
	}
	if c.db != 0 {
		if rc := sqlite3.Xsqlite3_close_v2(c.tls, c.db); rc != sqlite3.SQLITE_OK {
			err = c.errorOf(rc)
		}
		c.db = 0
	}
	if c.args != 0 {
		libc.Xfree(c.tls, c.args)
		c.args = 0
	}
	c.tls.Close()
	return err
}

// invitation reads the tenant's invitation with this id; found is false
// when there is none.
func (c *getConn) invitation(tenant, id string) (inv invitations.Invitation, found bool, err error) {
	if err := c.bind(tenant, id); err != nil {
		return invitations.Invitation{}, false, err
	}
	// The reset ends the read's transaction, so that the connection holds no
	// snapshot of the WAL (which would keep a checkpoint from finishing).
	defer sqlite3.Xsqlite3_reset(c.tls, c.stmt)
	switch rc := sqlite3.Xsqlite3_step(c.tls, c.stmt); rc {
	case sqlite3.SQLITE_ROW:
	case sqlite3.SQLITE_DONE:
		return invitations.Invitation{}, false, nil
	default:
		return invitations.Invitation{}, false, c.errorOf(rc)
	}
	return c.row(tenant, id), true, nil
}

// bind binds tenant and id, copied to c.args.
func (c *getConn) bind(tenant, id string) error {
	if n := len(tenant) + len(id); n > c.argsCap {
		// The statement must not keep pointing at the memory freed.
		sqlite3.Xsqlite3_clear_bindings(c.tls, c.stmt)
		libc.Xfree(c.tls, c.args)
		c.args, c.argsCap = 0, 0
		p, err := c.malloc(n)
		if err != nil {
			return err
		}
		c.args, c.argsCap = p, n
	}
	buf := unsafe.Slice((*byte)(cPointer(c.args)), c.argsCap)
	copy(buf, tenant)
	copy(buf[len(tenant):], id)
	// SQLITE_STATIC (a nil destructor): c.args outlives the binding.
	if rc := sqlite3.Xsqlite3_bind_text(c.tls, c.stmt, 1, c.args, int32(len(tenant)), 0); rc != sqlite3.SQLITE_OK {
		return c.errorOf(rc)
	}
	if rc := sqlite3.Xsqlite3_bind_text(c.tls, c.stmt, 2, c.args+uintptr(len(tenant)), int32(len(id)), 0); rc != sqlite3.SQLITE_OK {
		return c.errorOf(rc)
	}
	return nil
}

// textColumns are the read's text columns copied from the row; id and
// tenant are the arguments (the comparison is binary: the row's are the
// same bytes), and the state is one of three constants.
var textColumns = [...]int32{colInviter, colInvitee, colTemplateID, colBody, colTrackingID}

// row reads the current row as scan does: NULL text is "", a message only
// when has_message is set, times in milliseconds. The text columns are
// copied into one allocation, which their strings share.
func (c *getConn) row(tenant, id string) invitations.Invitation {
	var (
		ptrs [len(textColumns)]uintptr
		lens [len(textColumns)]int
		size int
	)
	for i, col := range textColumns {
		// sqlite3_column_text before sqlite3_column_bytes, as SQLite
		// advises (the text form first, then its length). NULL is a nil
		// pointer.
		ptrs[i] = sqlite3.Xsqlite3_column_text(c.tls, c.stmt, col)
		lens[i] = int(sqlite3.Xsqlite3_column_bytes(c.tls, c.stmt, col))
		size += lens[i]
	}
	buf := make([]byte, 0, size)
	var texts [len(textColumns)]string
	for i := range textColumns {
		if ptrs[i] == 0 || lens[i] == 0 {
			continue
		}
		start := len(buf)
		buf = append(buf, unsafe.Slice((*byte)(cPointer(ptrs[i])), lens[i])...)
		// buf is never written again where this string lies.
		texts[i] = unsafe.String(&buf[start], lens[i])
	}
	inv := invitations.Invitation{
		ID: id, Tenant: tenant, Inviter: texts[0], Invitee: texts[1], TrackingID: texts[4],
		Created:      time.UnixMilli(sqlite3.Xsqlite3_column_int64(c.tls, c.stmt, colCreated)),
		LastModified: time.UnixMilli(sqlite3.Xsqlite3_column_int64(c.tls, c.stmt, colLastModified)),
		Version:      sqlite3.Xsqlite3_column_int64(c.tls, c.stmt, colVersion),
		State:        c.state(),
	}
	if sqlite3.Xsqlite3_column_int64(c.tls, c.stmt, colHasMessage) != 0 {
		inv.Message = &invitations.Message{TemplateID: texts[2], Body: texts[3]}
	}
	if sqlite3.Xsqlite3_column_type(c.tls, c.stmt, colClosed) != sqlite3.SQLITE_NULL {
		inv.Closed = time.UnixMilli(sqlite3.Xsqlite3_column_int64(c.tls, c.stmt, colClosed))
	}
	return inv
}

// state reads the state column, as one of the constants when it is one.
func (c *getConn) state() invitations.State {
	p := sqlite3.Xsqlite3_column_text(c.tls, c.stmt, colState)
	n := int(sqlite3.Xsqlite3_column_bytes(c.tls, c.stmt, colState))
	if p == 0 || n == 0 {
		return ""
	}
	text := unsafe.Slice((*byte)(cPointer(p)), n)
	switch invitations.State(text) { // converted without a copy
	case invitations.StatePending:
		return invitations.StatePending
	case invitations.StateAccepted:
		return invitations.StateAccepted
	case invitations.StateIgnored:
		return invitations.StateIgnored
	}
	return invitations.State(text)
}

// exec runs sql, statements without results.
func (c *getConn) exec(sql string) error {
	zSQL, err := libc.CString(sql)
	if err != nil {
		return err
	}
	defer libc.Xfree(c.tls, zSQL)
	if rc := sqlite3.Xsqlite3_exec(c.tls, c.db, zSQL, 0, 0, 0); rc != sqlite3.SQLITE_OK {
		return c.errorOf(rc)
	}
	return nil
}

// prepare prepares sql once for the connection's life
// (SQLITE_PREPARE_PERSISTENT tells SQLite so, for its memory's sake).
func (c *getConn) prepare(sql string) (uintptr, error) {
	zSQL, err := libc.CString(sql)
	if err != nil {
		return 0, err
	}
	defer libc.Xfree(c.tls, zSQL)
	ppStmt, err := c.malloc(int(unsafe.Sizeof(uintptr(0))))
	if err != nil {
		return 0, err
	}
	defer libc.Xfree(c.tls, ppStmt)
	if rc := sqlite3.Xsqlite3_prepare_v3(c.tls, c.db, zSQL, -1, sqlite3.SQLITE_PREPARE_PERSISTENT, ppStmt, 0); rc != sqlite3.SQLITE_OK {
		return 0, c.errorOf(rc)
	}
	return *(*uintptr)(cPointer(ppStmt)), nil
}

func (c *getConn) malloc(n int) (uintptr, error) {
	if p := libc.Xmalloc(c.tls, types.Size_t(n)); p != 0 {
		return p, nil
	}
	return 0, fmt.Errorf("sqlite: cannot allocate %d bytes of memory", n)
}

// errorOf is result code rc as an error, with the connection's message, in
// the driver's form.
func (c *getConn) errorOf(rc int32) error {
	str := libc.GoString(sqlite3.Xsqlite3_errstr(c.tls, rc))
	if c.db == 0 {
		return &codeError{code: int(rc), msg: fmt.Sprintf("%s (%d)", str, rc)}
	}
	if msg := libc.GoString(sqlite3.Xsqlite3_errmsg(c.tls, c.db)); msg != str {
		return &codeError{code: int(rc), msg: fmt.Sprintf("%s: %s (%d)", str, msg, rc)}
	}
	return &codeError{code: int(rc), msg: fmt.Sprintf("%s (%d)", str, rc)}
}

// codeError is a SQLite result code from the C API, as the driver's
// *sqlite.Error is one (whose fields this package cannot set).
type codeError struct {
	code int
	msg  string
}

func (e *codeError) Error() string { return e.msg }

// Code returns the SQLite result code, extended.
func (e *codeError) Code() int { return e.code }

// cPointer is the C address p as a pointer, for reading C memory (which
// the Go collector neither moves nor frees). It converts through memory
// rather than by unsafe.Pointer(p), which go vet rightly flags for Go
// memory.
func cPointer(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }
