package overlay

import "testing"

func TestTimers(t *testing.T) {
	runCases(t, []rewriteCase{
		{name: "sleep alone: the import stays used", imports: `import "time"`, body: "\ttime.Sleep(1)", want: "\tgridlock.Sleep(1)"},
		{name: "sleep, after, tick", imports: `import "time"`, params: "d time.Duration", body: "\ttime.Sleep(d)\n\t<-time.After(d)\n\tfor range time.Tick(d) {\n\t}", want: "\tgridlock.Sleep(d)\n\t<-gridlock.After(d)\n\tfor range gridlock.Tick(d) {\n\t}"},
		{name: "a renamed import, a function value", imports: `import tm "time"`, params: "d tm.Duration", body: "\tsleep := tm.Sleep\n\tsleep(d)", want: "\tsleep := gridlock.Sleep\n\tsleep(d)"},
		{name: "timer stop and reset", imports: `import "time"`, params: "d time.Duration", body: "\tt := time.NewTimer(d)\n\tdefer t.Stop()\n\tif !t.Reset(d) {\n\t}", want: "\tt := gridlock.NewTimer(d)\n\tdefer gridlock.TimerStop(t)\n\tif !gridlock.TimerReset(t, d) {\n\t}"},
		{name: "ticker, after func", imports: `import "time"`, params: "d time.Duration", body: "\ttk := time.NewTicker(d)\n\ttk.Reset(d)\n\ttk.Stop()\n\ttime.AfterFunc(d, func() {}).Stop()", want: "\ttk := gridlock.NewTicker(d)\n\tgridlock.TickerReset(tk, d)\n\tgridlock.TickerStop(tk)\n\tgridlock.TimerStop(gridlock.AfterFunc(d, func() {}))"},
		{name: "a timer value, a field", imports: `import "time"`, decls: "type S struct{ t *time.Timer }", params: "s *S, v time.Timer", body: "\ts.t.Stop()\n\tv.Stop()", want: "\tgridlock.TimerStop(s.t)\n\tgridlock.TimerStop(&v)"},
		{name: "other functions and methods of time are left alone", imports: `import "time"`, body: "\t_ = time.Now().Add(time.Second)\n\tf := time.NewTimer(1).Stop\n\t_ = f", want: "\t_ = time.Now().Add(time.Second)\n\tf := gridlock.NewTimer(1).Stop\n\t_ = f"},
		{name: "an embedded timer is left alone", imports: `import "time"`, decls: "type T struct{ *time.Timer }", params: "x T", body: "\tx.Stop()", want: ""},
	}, Timers)
}

func TestPollSelects(t *testing.T) {
	runCases(t, []rewriteCase{
		{name: "a non-blocking receive", params: "a chan int", body: "\tselect {\n\tcase v := <-a:\n\t\t_ = v\n\tdefault:\n\t}", want: "\t{var gridlockPoll *gridlock.SelectWait; if gridlock.Exploring() { gridlockPoll = gridlock.SelectPoll(gridlock.SelectRecv(a)) }; select {\n\tcase v := <-a: gridlockPoll.Case(0);\n\t\t_ = v\n\tdefault: gridlockPoll.Case(-1);\n\t}}"},
		{name: "a label, a call", imports: `import "context"`, params: "ctx context.Context, b chan int", body: "loop:\n\tfor {\n\t\tselect {\n\t\tcase <-ctx.Done():\n\t\t\tbreak loop\n\t\tcase b <- 1:\n\t\tdefault:\n\t\t}\n\t}", want: "loop:\n\tfor {\n\t\t{var gridlockPoll *gridlock.SelectWait; if gridlock.Exploring() { gridlockPoll = gridlock.SelectPoll(gridlock.SelectSend(b), gridlock.SelectOutside()) }; select {\n\t\tcase <-ctx.Done(): gridlockPoll.Case(-1);\n\t\t\tbreak loop\n\t\tcase b <- 1: gridlockPoll.Case(0);\n\t\tdefault: gridlockPoll.Case(-1);\n\t\t}}\n\t}"},
		{name: "a blocking select is Selects'", params: "a chan int", body: "\tselect {\n\tcase <-a:\n\t}", want: ""},
	}, PollSelects)
}

func TestExploreSubtests(t *testing.T) {
	runCases(t, []rewriteCase{
		{name: "run and parallel", imports: `import "testing"`, params: "t *testing.T", body: "\tt.Run(\"x\", func(t *testing.T) {\n\t\tt.Parallel()\n\t})", want: "\tgridlockExplore.Run(t, \"x\", func(t *testing.T) {\n\t\tgridlockExplore.Parallel(t)\n\t})"},
		{name: "a benchmark's run is left alone", imports: `import "testing"`, params: "b *testing.B", body: "\tb.Run(\"x\", func(b *testing.B) {})", want: ""},
	}, func(f *File) error { subtests(f); return nil })
}

func TestExploreSelects(t *testing.T) {
	runCases(t, []rewriteCase{
		{name: "a timeout", imports: `import "time"`, params: "a chan int", body: "\tselect {\n\tcase <-a:\n\tcase <-time.After(time.Second):\n\t}", want: "\t{gridlockAfter := gridlock.After(time.Second); gridlockSel := gridlock.SelectStart(gridlock.SelectRecv(a), gridlock.SelectRecv(gridlockAfter)); select {\n\tcase <-a: gridlockSel.Case(0);\n\tcase <-gridlockAfter: gridlockSel.Case(1);\n\t}}"},
		{name: "the only use of time", imports: `import "time"`, params: "a chan int, d int64", body: "\tselect {\n\tcase v := <-time.After(1):\n\t\t_ = v\n\tcase <-a:\n\t}", want: "\t{gridlockAfter := gridlock.After(1); gridlockSel := gridlock.SelectStart(gridlock.SelectRecv(gridlockAfter), gridlock.SelectRecv(a)); select {\n\tcase v := <-gridlockAfter: gridlockSel.Case(0);\n\t\t_ = v\n\tcase <-a: gridlockSel.Case(1);\n\t}}"},
		{name: "a call in the argument stays in the select", imports: `import "time"`, decls: "func d() time.Duration { return 1 }", params: "a chan int", body: "\tselect {\n\tcase <-a:\n\tcase <-time.After(d()):\n\t}", want: "\t{gridlockSel := gridlock.SelectStart(gridlock.SelectRecv(a), gridlock.SelectOutside()); select {\n\tcase <-a: gridlockSel.Case(0);\n\tcase <-gridlock.After(d()): gridlockSel.Case(-1);\n\t}}"},
	}, ExploreSelects, Timers)
}
