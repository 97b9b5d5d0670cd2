package memory_test

import (
	"testing"
	"time"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/memory"
	"github.com/graph-linkedin/invitations/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) invitations.Store { return memory.New(now) })
}
