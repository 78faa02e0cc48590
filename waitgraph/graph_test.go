package waitgraph

import "testing"

func TestResourceLabel(t *testing.T) {
	for _, tc := range []struct {
		r    Resource
		want string
	}{
		{Resource{ID: "mutex#4", Kind: Mutex}, "mutex#4 (mutex)"},
		{Resource{ID: "mutex 0xa", Name: "0xa", Kind: Mutex}, "0xa (mutex)"},
		{Resource{ID: "accounts#4", Name: "accounts", Kind: Mutex, Level: 10}, "accounts (mutex, level 10)"},
		{Resource{ID: "proxy.Conn.mu", Name: "proxy.Conn.mu", Kind: Mutex}, "proxy.Conn.mu (mutex)"},
		{Resource{ID: "Conn.mu of *Conn 0xc000123400", Name: "proxy.Conn.mu", Kind: Mutex}, "Conn.mu of *Conn 0xc000123400 (mutex, class proxy.Conn.mu)"},
		{Resource{ID: "Conn.rw of *Conn 0xc000123400", Name: "proxy.Conn.rw", Kind: RWMutex, Level: 2}, "Conn.rw of *Conn 0xc000123400 (rwmutex, class proxy.Conn.rw, level 2)"},
	} {
		if got := tc.r.Label(); got != tc.want {
			t.Errorf("Label() = %q, want %q", got, tc.want)
		}
	}
}
