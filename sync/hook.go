//go:build !gridlock_off

package sync

import (
	"unsafe"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/waitgraph"
)

func init() {
	engine.RefOf = func(l any) engine.LockInfo {
		switch l := l.(type) {
		case *Mutex:
			return engine.LockInfo{Ref: &l.home().ref, Kind: waitgraph.Mutex, Ptr: unsafe.Pointer(l)}
		case *RWMutex:
			return engine.LockInfo{Ref: &l.home().ref, Kind: waitgraph.RWMutex, Readers: &l.state, Ptr: unsafe.Pointer(l)}
		case *rlocker:
			return engine.LockInfo{Ref: &(*RWMutex)(l).home().ref, Kind: waitgraph.RWMutex, Readers: &l.state, Ptr: unsafe.Pointer(l)}
		}
		return engine.LockInfo{}
	}
}
