module gridlock.example/kernels

go 1.22
