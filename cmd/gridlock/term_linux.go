package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"unsafe"
)

// errNotTerminal reports that standard input or output is not a terminal.
var errNotTerminal = errors.New("not a terminal")

// terminal is a terminal in raw mode, on the alternate screen.
type terminal struct {
	in, out *os.File
	saved   syscall.Termios
}

func ioctl(fd uintptr, req uint, arg unsafe.Pointer) error {
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, uintptr(req), uintptr(arg)); e != 0 {
		return e
	}
	return nil
}

// openTerminal puts the terminal of in and out in raw mode (no echo, keys
// read as they are typed, no signal from ^C: the console reads it as a
// key), switches to the alternate screen and hides the cursor.
func openTerminal(in, out *os.File) (*terminal, error) {
	t := &terminal{in: in, out: out}
	var ws [4]uint16
	if ioctl(out.Fd(), syscall.TIOCGWINSZ, unsafe.Pointer(&ws)) != nil {
		return nil, errNotTerminal
	}
	if ioctl(in.Fd(), syscall.TCGETS, unsafe.Pointer(&t.saved)) != nil {
		return nil, errNotTerminal
	}
	raw := t.saved
	raw.Iflag &^= syscall.IGNBRK | syscall.BRKINT | syscall.PARMRK | syscall.ISTRIP | syscall.INLCR | syscall.IGNCR | syscall.ICRNL | syscall.IXON
	raw.Oflag &^= syscall.OPOST
	raw.Lflag &^= syscall.ECHO | syscall.ECHONL | syscall.ICANON | syscall.ISIG | syscall.IEXTEN
	raw.Cflag &^= syscall.CSIZE | syscall.PARENB
	raw.Cflag |= syscall.CS8
	raw.Cc[syscall.VMIN], raw.Cc[syscall.VTIME] = 1, 0
	if err := ioctl(in.Fd(), syscall.TCSETS, unsafe.Pointer(&raw)); err != nil {
		return nil, fmt.Errorf("setting the terminal to raw mode: %w", err)
	}
	fmt.Fprint(out, "\x1b[?1049h\x1b[?25l")
	return t, nil
}

// restore leaves the alternate screen and puts the terminal back as it was.
func (t *terminal) restore() {
	fmt.Fprint(t.out, "\x1b[?25h\x1b[?1049l")
	ioctl(t.in.Fd(), syscall.TCSETS, unsafe.Pointer(&t.saved))
}

// size returns the terminal's width and height.
func (t *terminal) size() (width, height int) {
	var ws [4]uint16 // rows, columns, x pixels, y pixels
	if ioctl(t.out.Fd(), syscall.TIOCGWINSZ, unsafe.Pointer(&ws)) != nil || ws[0] == 0 || ws[1] == 0 {
		return 80, 24
	}
	return int(ws[1]), int(ws[0])
}

// notifyResize sends on c when the terminal is resized.
func notifyResize(c chan<- os.Signal) { signal.Notify(c, syscall.SIGWINCH) }
