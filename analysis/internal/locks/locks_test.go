package locks

import (
	"slices"
	"testing"
)

func TestShortClass(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"example.com/x/pkg.Server.mu", "pkg.Server.mu"},
		{"pkg.mu", "pkg.mu"},
		{"go.etcd.io/etcd/server/v3/etcdserver.EtcdServer.mu", "etcdserver.EtcdServer.mu"},
	} {
		if got := ShortClass(tc.in); got != tc.want {
			t.Errorf("ShortClass(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSubst(t *testing.T) {
	args := map[string]Ref{
		"p0": {Key: "p1", Name: "s", Class: ""},
		"p1": {Key: "l3", Name: "c"},
		"f0": {Key: "g:x.mu", Name: "mu", Class: "x.mu"},
	}
	arg := func(kind byte, i int) (Ref, bool) {
		r, ok := args[string(kind)+itoa(i)]
		return r, ok
	}
	for _, tc := range []struct {
		path      string
		key, name string
		ok        bool
	}{
		{"p0.mu", "p1.mu", "s.mu", true},
		{"p0.inner.*.mu", "p1.inner.*.mu", "s.inner.mu", true},
		{"p1", "l3", "c", true},
		{"f0", "g:x.mu", "mu", true},
		{"g:example.com/y.mu", "g:example.com/y.mu", "", true},
		{"p2.mu", "", "", false},
		{"l0.mu", "", "", false},
	} {
		r, ok := subst(tc.path, arg)
		if ok != tc.ok || r.Key != tc.key || r.Name != tc.name {
			t.Errorf("subst(%q) = %+v, %v; want key %q name %q, %v", tc.path, r, ok, tc.key, tc.name, tc.ok)
		}
	}
}

func TestHeldAcross(t *testing.T) {
	mu := Held{Ref: Ref{Key: "p0.mu", Name: "s.mu", Class: "a.S.mu"}}
	other := Held{Ref: Ref{Key: "p0.other", Name: "s.other", Class: "a.S.other"}}
	g := Held{Ref: Ref{Key: "g:a.reg", Name: "reg", Class: "a.reg"}}
	keys := func(hs []Held) []string {
		var out []string
		for _, h := range hs {
			out = append(out, h.Key)
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		block Block
		held  []Held
		want  []string
	}{
		{"not a cond", Block{What: "sends"}, []Held{mu}, []string{"p0.mu"}},
		{"cond, own lock known", Block{Cond: true, CondLock: "a.S.mu"}, []Held{mu, other}, []string{"p0.other"}},
		{"cond, only lock", Block{Cond: true}, []Held{mu}, nil},
		{"cond, owner by path", Block{Cond: true, On: "p0.cond"}, []Held{mu, g}, []string{"g:a.reg"}},
		{"cond, two candidates", Block{Cond: true, On: "p0.cond"}, []Held{mu, other}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.block
			if got := keys(HeldAcross(&b, tc.held)); !slices.Equal(got, tc.want) {
				t.Errorf("HeldAcross = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestStateMeet(t *testing.T) {
	a := &State{}
	a.acquire(Held{Ref: Ref{Key: "p0.mu"}, Pos: 20})
	a.acquire(Held{Ref: Ref{Key: "p0.rw"}, Read: false})
	b := &State{}
	b.acquire(Held{Ref: Ref{Key: "p0.mu"}, Pos: 10})
	b.acquire(Held{Ref: Ref{Key: "g:x.mu"}})
	a.meet(b)
	if len(a.Held) != 1 || a.Held[0].Key != "p0.mu" {
		t.Fatalf("meet kept %v, want p0.mu only", a.Held)
	}
	if a.Held[0].Pos != 10 {
		t.Errorf("meet kept the lock site %v, want the earlier 10", a.Held[0].Pos)
	}
}
