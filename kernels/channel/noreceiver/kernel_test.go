package noreceiver

import (
	"testing"
	"time"
)

func TestKernel(t *testing.T) {
	_ = FetchAll()
	time.Sleep(30 * time.Millisecond)
}
