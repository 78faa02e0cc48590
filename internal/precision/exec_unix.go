//go:build unix

package precision

import (
	"os/exec"
	"syscall"
)

// newProcessGroup makes cmd the leader of a process group of its own, so
// that go test's children (the test binaries) can be stopped with it.
func newProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// interruptGroup sends an interrupt to cmd's process group: gridlock test
// then stops go test and removes its temporary directory.
func interruptGroup(cmd *exec.Cmd) {
	syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
}

// killGroup kills cmd's process group.
func killGroup(cmd *exec.Cmd) {
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
