package buffered

import (
	"testing"
	"time"
)

func TestKernel(t *testing.T) {
	_ = CheckAll(4)
	time.Sleep(10 * time.Millisecond)
}
