package timeoutleak

import (
	"testing"
	"time"
)

func TestKernel(t *testing.T) {
	Query()
	time.Sleep(50 * time.Millisecond)
}
