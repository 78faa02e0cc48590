package overlay

import "testing"

func TestGoroutines(t *testing.T) {
	runCases(t, []rewriteCase{
		{name: "a function", decls: "func worker(jobs <-chan int, id int) {}", params: "jobs chan int", body: "\tfor i := 0; i < 2; i++ {\n\t\tgo worker(jobs, i)\n\t}", want: "\tfor i := 0; i < 2; i++ {\n\t\tfunc(gridlockF func(<-chan int, int), gridlockA0 <-chan int, gridlockA1 int) { gridlock.Go(\"worker\", func() { gridlockF(gridlockA0, gridlockA1) }) }(worker, jobs, i)\n\t}"},
		{name: "a function literal", params: "done chan bool", body: "\tgo func() {\n\t\tdone <- true\n\t}()", want: "\tgridlock.Go(\"f.func1\", func() {\n\t\tdone <- true\n\t})"},
		{name: "a function literal with arguments", body: "\tfor i := range 3 {\n\t\tgo func(i int, s string) {\n\t\t\tprintln(i, s)\n\t\t}(i,\n\t\t\t\"x\")\n\t}", want: "\tfor i := range 3 {\n\t\tfunc(gridlockF func(int, string), gridlockA0 int, gridlockA1 string) { gridlock.Go(\"f.func1\", func() { gridlockF(gridlockA0, gridlockA1) }) }(func(i int, s string) {\n\t\t\tprintln(i, s)\n\t\t}, i,\n\t\t\t\"x\")\n\t}"},
		{name: "literals are named as the compiler names them", body: "\tgo func() {}()\n\tgo func() {\n\t\t_ = func() {}\n\t\tgo func() {}()\n\t}()", want: "\tgridlock.Go(\"f.func1\", func() {})\n\tgridlock.Go(\"f.func2\", func() {\n\t\t_ = func() {}\n\t\tgridlock.Go(\"f.func2.2\", func() {})\n\t})"},
		{name: "a method value", imports: `import "net"`, decls: "type Server struct{}\n\nfunc (s *Server) serve(c net.Conn) {}\n\ntype V struct{}\n\nfunc (V) run() {}", params: "s *Server, c net.Conn, v V", body: "\tgo s.serve(c)\n\tgo v.run()", want: "\tfunc(gridlockF func(net.Conn), gridlockA0 net.Conn) { gridlock.Go(\"(*Server).serve\", func() { gridlockF(gridlockA0) }) }(s.serve, c)\n\tfunc(gridlockF func()) { gridlock.Go(\"V.run\", func() { gridlockF() }) }(v.run)"},
		{name: "an interface method", decls: "type Runner interface{ Run(n int) error }", params: "r Runner", body: "\tgo r.Run(1)", want: "\tfunc(gridlockF func(int) error, gridlockA0 int) { gridlock.Go(\"Runner.Run\", func() { gridlockF(gridlockA0) }) }(r.Run, 1)"},
		{name: "a method expression", decls: "type T struct{}\n\nfunc (*T) m(int) {}", params: "t *T", body: "\tgo (*T).m(t, 1)", want: "\tfunc(gridlockF func(*T, int), gridlockA0 *T, gridlockA1 int) { gridlock.Go(\"(*T).m\", func() { gridlockF(gridlockA0, gridlockA1) }) }((*T).m, t, 1)"},
		{name: "another package's function, variadic", imports: `import "fmt"`, body: "\tgo fmt.Println(\"x\", 1)", want: "\tfunc(gridlockF func(...any) (int, error), gridlockA0 any, gridlockA1 any) { gridlock.Go(\"fmt.Println\", func() { gridlockF(gridlockA0, gridlockA1) }) }(fmt.Println, \"x\", 1)"},
		{name: "variadic with an ellipsis", decls: "func sum(base int, xs ...int) {}", params: "xs []int", body: "\tgo sum(1, xs...)\n\tgo sum(1)", want: "\tfunc(gridlockF func(int, ...int), gridlockA0 int, gridlockA1 ...int) { gridlock.Go(\"sum\", func() { gridlockF(gridlockA0, gridlockA1...) }) }(sum, 1, xs...)\n\tfunc(gridlockF func(int, ...int), gridlockA0 int) { gridlock.Go(\"sum\", func() { gridlockF(gridlockA0) }) }(sum, 1)"},
		{name: "a function value", params: "h func(int) error", body: "\tgo h(1)", want: "\tfunc(gridlockF func(int) error, gridlockA0 int) { gridlock.Go(\"h\", func() { gridlockF(gridlockA0) }) }(h, 1)"},
		{name: "a function returned by a call", decls: "func maker(n int) func(string) { return nil }", body: "\tgo maker(1)(\"x\")", want: "\tfunc(gridlockF func(string), gridlockA0 string) { gridlock.Go(\"maker(1)\", func() { gridlockF(gridlockA0) }) }(maker(1), \"x\")"},
		{name: "generic, inferred and explicit", decls: "func g[T any](v T) {}", body: "\tgo g(1)\n\tgo g[string](\"x\")", want: "\tfunc(gridlockF func(int), gridlockA0 int) { gridlock.Go(\"g\", func() { gridlockF(gridlockA0) }) }(g, 1)\n\tfunc(gridlockF func(string), gridlockA0 string) { gridlock.Go(\"g\", func() { gridlockF(gridlockA0) }) }(g[string], \"x\")"},
		{name: "generic inferred before go1.21 is left alone", goVersion: "go1.20", decls: "func g[T any](v T) {}", body: "\tgo g(1)", want: ""},
		{name: "in a generic function", params: "[T any](c chan T, v T)", body: "\tgo func(x T) { c <- x }(v)", want: "\tfunc(gridlockF func(T), gridlockA0 T) { gridlock.Go(\"f.func1\", func() { gridlockF(gridlockA0) }) }(func(x T) { c <- x }, v)"},
		{name: "a type not nameable here is left alone", imports: `import "strings"`, body: "\tr := strings.NewReader(\"\")\n\tgo r.WriteTo(nil)", want: ""},
		{name: "builtins are left alone", params: "ch chan int", body: "\tgo println(1)\n\tgo close(ch)", want: ""},
		{name: "a multi-value argument is left alone", decls: "func two() (int, int) { return 0, 0 }\n\nfunc add(a, b int) {}", body: "\tgo add(two())", want: ""},
		{name: "a call over several lines", decls: "func worker(a, b int) {}", body: "\tgo worker(\n\t\t1, // one\n\t\t2,\n\t)", want: "\tfunc(gridlockF func(int, int), gridlockA0 int, gridlockA1 int) { gridlock.Go(\"worker\", func() { gridlockF(gridlockA0, gridlockA1) }) }(worker,\n\t\t1, // one\n\t\t2,\n\t)"},
	}, Goroutines)
}
