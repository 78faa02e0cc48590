package locks

import (
	"fmt"
	"os"

	"golang.org/x/tools/go/ssa"
)

func debugFlow(a *state, f *flow) {
	if os.Getenv("GRIDLOCK_DEBUG") == "" {
		return
	}
	fmt.Fprintf(os.Stderr, "== %s\n", f.fn)
	for _, b := range f.fn.Blocks {
		e := f.entry[b]
		if e == nil {
			fmt.Fprintf(os.Stderr, "  b%d: unreachable\n", b.Index)
			continue
		}
		fmt.Fprintf(os.Stderr, "  b%d: held=%v\n", b.Index, e.Held)
		for _, ins := range b.Instrs {
			if c, ok := ins.(ssa.CallInstruction); ok {
				op, v := LockOp(c.Common())
				fmt.Fprintf(os.Stderr, "    %s  op=%v %v\n", ins, op, v)
			}
		}
	}
}
