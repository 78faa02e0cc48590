package serve

import "testing"

func TestLoopback(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{":6060", "127.0.0.1:6060"},
		{":0", "127.0.0.1:0"},
		{"127.0.0.1:6060", "127.0.0.1:6060"},
		{"0.0.0.0:6060", "0.0.0.0:6060"},
		{"[::1]:6060", "[::1]:6060"},
		{"localhost:6060", "localhost:6060"},
		{"nonsense", "nonsense"},
	} {
		if got := Loopback(tt.in); got != tt.want {
			t.Errorf("Loopback(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
