package precision

import (
	"syscall"
	"testing"
)

func TestGroupRSS(t *testing.T) {
	if rss := groupRSS(syscall.Getpgrp()); rss <= 0 {
		t.Errorf("groupRSS(own group) = %d, want > 0", rss)
	}
	if rss := groupRSS(-1); rss != 0 {
		t.Errorf("groupRSS(-1) = %d, want 0", rss)
	}
}
