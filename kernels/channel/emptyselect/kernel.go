// Package emptyselect is a deadlock kernel (communication deadlock: channel).
//
// A goroutine parks in an empty select, meant as a placeholder, and never
// ends.
package emptyselect

func Serve(handle func()) {
	go func() {
		handle()
		select {} // parks forever
	}()
}
