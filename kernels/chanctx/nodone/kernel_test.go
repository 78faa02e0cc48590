package nodone

import (
	"context"
	"testing"
	"time"
)

func TestKernel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	Lookup(ctx)
	time.Sleep(30 * time.Millisecond)
}
