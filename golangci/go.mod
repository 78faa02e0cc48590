module github.com/gridlock-go/gridlock/golangci

go 1.24.0

require (
	github.com/gridlock-go/gridlock v0.0.0
	golang.org/x/tools v0.42.0
)

require github.com/golangci/plugin-module-register v0.1.2

replace github.com/gridlock-go/gridlock => ../
