package locks

import (
	"fmt"
	"go/types"
	"slices"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"
)

// A Trap describes a select whose cases need a lock the goroutine holds.
type Trap struct {
	Msg     string
	Related []analysis.RelatedInformation
}

// SelectTrap reports whether the blocking select sel, with the locks of s
// held, waits on a case that needs one of them: a case whose channel comes
// from a call that takes the lock, or a channel whose every counterpart
// operation in the package (the sends, for a receiving case) happens with
// a lock of the same class held.
func (r *Result) SelectTrap(fn *ssa.Function, sel *ssa.Select, s *State) (Trap, bool) {
	if !sel.Blocking || len(s.Held) == 0 {
		return Trap{}, false
	}
	for _, st := range sel.States {
		// The channel expression is evaluated before the select waits.
		if call, ok := st.Chan.(*ssa.Call); ok {
			for _, acq := range r.Acquisitions(fn, call) {
				if h, held := s.Find(acq.Key); held && !acq.Try {
					return Trap{
						Msg: fmt.Sprintf("select case calls %s, which locks %s, already held: the select never starts", acq.Chain[0], h.Name),
						Related: []analysis.RelatedInformation{
							{Pos: r.Start(h.Pos), Message: h.Name + " locked here"},
							{Pos: r.Start(call.Pos()), Message: "the case's channel is computed here"},
						},
					}, true
				}
			}
		}
		ref := r.Ref(fn, st.Chan)
		if ref.Class == "" {
			continue
		}
		send := st.Dir == types.SendOnly
		var others []ChanUse
		for _, u := range r.Chans[ref.Class] {
			if u.Send != send {
				others = append(others, u)
			}
		}
		if len(others) == 0 {
			continue
		}
		for _, h := range s.Held {
			if h.Class == "" {
				continue
			}
			all := true
			for _, u := range others {
				all = all && slices.Contains(u.Held, h.Class)
			}
			if !all {
				continue
			}
			verb := "send on"
			if send {
				verb = "receive from"
			}
			return Trap{
				Msg: fmt.Sprintf("select waits on %s while holding %s, but every %s it happens with %s held: that case cannot fire until the lock is released",
					ref.Name, h.Name, verb, ShortClass(h.Class)),
				Related: []analysis.RelatedInformation{
					{Pos: r.Start(h.Pos), Message: h.Name + " locked here"},
					{Pos: others[0].Pos, Message: fmt.Sprintf("a %s %s, with %s held", verb, ref.Name, ShortClass(h.Class))},
				},
			}, true
		}
	}
	return Trap{}, false
}
