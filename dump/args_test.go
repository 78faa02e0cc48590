package dump_test

import (
	"slices"
	"testing"

	"github.com/gridlock-go/gridlock/dump"
)

// argsDump has arguments of every shape: pointers, aggregates in braces,
// values the runtime marks unreliable, elided ones, an interface.
const argsDump = `goroutine 7 [sync.Mutex.Lock]:
internal/sync.(*Mutex).lockSlow(0xc000012348)
	internal/sync/mutex.go:149 +0x15d
sync.(*Mutex).Lock(...)
	sync/mutex.go:46
main.transfer({0x4b2c5a, 0x5}, 0xc000012330, 0xc0000abc00?, {0xc000100000, {0x1, 0x2}}, 0xc000200000, {0x788c68, 0xc000400000})
	/src/app/main.go:22 +0x9d
main.(*Bank).run(0xc000300000, ...)
	/src/app/main.go:40 +0x25
main.helper(...)
	/src/app/main.go:50
created by main.main in goroutine 1
	/src/app/main.go:60 +0xbc
`

func TestArgs(t *testing.T) {
	d, err := dump.ParseBytes([]byte(argsDump))
	if err != nil {
		t.Fatal(err)
	}
	got := d.Args(&d.Goroutines[0])
	want := []dump.Arg{
		{Frame: 2, Index: 1, Value: 0xc000012330}, // not the string before it, nor the unreliable one after
		{Frame: 2, Index: 4, Value: 0xc000200000}, // the struct in braces counts as one
		{Frame: 2, Index: 5, Value: 0xc000400000}, // an interface's data word (a sync.Locker)
		{Frame: 3, Index: 0, Value: 0xc000300000},
	}
	if !slices.Equal(got, want) {
		t.Errorf("args %+v, want %+v", got, want)
	}
}
