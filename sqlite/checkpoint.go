package sqlite

import (
	"database/sql"
	"time"
)

// Checkpoints. In WAL mode SQLite copies the log back into the database
// ("checkpoints") when the log grows past 1,000 pages, inside whichever
// commit crosses the line: that commit, and every write batched with it,
// waits for the copy and its fsync. The writer has automatic checkpoints
// off instead, and this loop checkpoints from its own connection in PASSIVE
// mode, which never blocks the writer. Durability is unchanged: commits
// still fsync the log.

// checkpointEvery is how often the checkpointer runs.
const checkpointEvery = 250 * time.Millisecond

// checkpointLoop checkpoints until Close.
func (s *Store) checkpointLoop(db *sql.DB) {
	defer close(s.checkpointDone)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-s.stopped:
			return
		case <-tick.C:
			// A failure (the database busy, or going away) is retried at
			// the next tick; the log only grows meanwhile.
			db.Exec("PRAGMA wal_checkpoint(PASSIVE)")
		}
	}
}
