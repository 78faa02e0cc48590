module github.com/gridlock-go/gridlock

go 1.26
