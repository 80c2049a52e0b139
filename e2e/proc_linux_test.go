package e2e

import "syscall"

// childProcAttr makes the kernel kill the example server if the test binary
// dies first (a panic, a go test -timeout), so no server outlives the run.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
