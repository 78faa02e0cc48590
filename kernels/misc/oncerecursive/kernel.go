// Package oncerecursive is a deadlock kernel (communication deadlock: misc).
//
// Once.Do calls a function that calls the same Once.Do: it waits for
// itself.
package oncerecursive

import "sync"

var (
	once sync.Once
	cfg  map[string]string
)

func Config() map[string]string {
	once.Do(load)
	return cfg
}

func load() {
	cfg = map[string]string{}
	if Config()["debug"] == "" { // Once.Do inside Once.Do
		cfg["debug"] = "off"
	}
}
