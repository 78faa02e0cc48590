// Command oncewait initializes through sync.Once a value whose loader
// waits for a goroutine that needs the same Once.
package main

import (
	"sync"

	"example.com/frozen/internal/harness"
)

var (
	once   sync.Once
	config map[string]string
)

func get(k string) string {
	once.Do(load)
	return config[k]
}

func load() {
	done := make(chan string)
	go func() {
		done <- get("default")
	}()
	config = map[string]string{"default": <-done}
}

func main() {
	go get("a")
	harness.Wait()
}
