// Package once is a deadlock kernel (correct: sync.Once from many goroutines).
//
// Lazy initialization through sync.Once, called concurrently, with no
// Once.Do inside it.
package once

import "sync"

var (
	once sync.Once
	cfg  map[string]string
)

func Config() map[string]string {
	once.Do(func() { cfg = map[string]string{"debug": "off"} })
	return cfg
}
