// Package addtoomany is a deadlock kernel (communication deadlock: channel & WaitGroup).
//
// Add counts one goroutine too many; Wait never returns.
package addtoomany

import "sync"

func Start(jobs []func()) {
	var wg sync.WaitGroup
	wg.Add(len(jobs) + 1) // one too many
	for _, j := range jobs {
		go func(j func()) {
			defer wg.Done()
			j()
		}(j)
	}
	wg.Wait()
}
