module github.com/gridlock-go/gridlock/bench

go 1.26.0

require (
	github.com/gridlock-go/gridlock v0.0.0
	github.com/sasha-s/go-deadlock v0.3.9
	golang.org/x/sync v0.25.0
)

require github.com/petermattis/goid v0.0.0-20250813065127-a731cc31b4fe // indirect

replace github.com/gridlock-go/gridlock => ../
