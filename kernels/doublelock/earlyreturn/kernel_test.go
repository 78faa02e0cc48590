package earlyreturn

import "testing"

func TestKernel(t *testing.T) {
	a := &Account{balance: 10}
	_ = a.Withdraw(20)
	a.Deposit(5)
}
