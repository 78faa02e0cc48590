//go:build !gridlock_off

package sync

import (
	"unsafe"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/waitgraph"
)

func init() {
	engine.SetRefOffsets(unsafe.Offsetof(Mutex{}.ref), unsafe.Offsetof(RWMutex{}.ref))
	engine.RefOf = func(l any) engine.LockInfo {
		switch l := l.(type) {
		case *Mutex:
			return engine.LockInfo{Ref: &l.ref, Kind: waitgraph.Mutex}
		case *RWMutex:
			return engine.LockInfo{Ref: &l.ref, Kind: waitgraph.RWMutex, Readers: &l.state}
		case *rlocker:
			return engine.LockInfo{Ref: &l.ref, Kind: waitgraph.RWMutex, Readers: &l.state}
		}
		return engine.LockInfo{}
	}
}
