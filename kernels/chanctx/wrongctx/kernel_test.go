package wrongctx

import (
	"context"
	"testing"
)

func TestKernel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan int)
	Stream(ctx, out)
	<-out
	cancel()
}
