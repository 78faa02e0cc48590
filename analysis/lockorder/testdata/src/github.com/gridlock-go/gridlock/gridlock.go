// Package gridlock is a stub of the real package's hierarchy API.
package gridlock

import "sync"

func Name(l sync.Locker, name string) {}
func Level(l sync.Locker, level int)  {}
func Nestable(l sync.Locker)          {}
