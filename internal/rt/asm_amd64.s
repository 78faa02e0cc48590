//go:build gc

#include "textflag.h"

// func goidAsm() uint64
TEXT ·Goid(SB),NOSPLIT,$0-8
	MOVQ (TLS), AX
	MOVQ ·goidOffset(SB), BX
	MOVQ (AX)(BX*1), AX
	MOVQ AX, ret+0(FP)
	RET

// func readg(off uintptr) uint64
TEXT ·readg(SB),NOSPLIT,$0-16
	MOVQ (TLS), AX
	MOVQ off+0(FP), BX
	MOVQ (AX)(BX*1), AX
	MOVQ AX, ret+8(FP)
	RET

// func Enter() (goid uint64, pc uintptr)
// BP is still the frame pointer of our caller (a frameless leaf does not
// touch it), and 8(BP) is our caller's return address.
TEXT ·Enter(SB),NOSPLIT,$0-16
	MOVQ (TLS), AX
	MOVQ ·goidOffset(SB), BX
	MOVQ (AX)(BX*1), AX
	MOVQ AX, goid+0(FP)
	MOVQ 8(BP), AX
	MOVQ AX, pc+8(FP)
	RET

// func GoidStack() (goid uint64, lo, hi uintptr)
// The runtime's g starts with its stack bounds, lo then hi.
TEXT ·GoidStack(SB),NOSPLIT,$0-24
	MOVQ (TLS), AX
	MOVQ ·goidOffset(SB), BX
	MOVQ (AX)(BX*1), BX
	MOVQ BX, goid+0(FP)
	MOVQ 0(AX), BX
	MOVQ BX, lo+8(FP)
	MOVQ 8(AX), BX
	MOVQ BX, hi+16(FP)
	RET

// func self() uintptr
TEXT ·self(SB),NOSPLIT,$0-8
	MOVQ (TLS), AX
	MOVQ AX, ret+0(FP)
	RET

// func readAt(addr uintptr) uint64
TEXT ·readAt(SB),NOSPLIT,$0-16
	MOVQ addr+0(FP), AX
	MOVQ (AX), AX
	MOVQ AX, ret+8(FP)
	RET

// func readAt32(addr uintptr) uint32
TEXT ·readAt32(SB),NOSPLIT,$0-12
	MOVQ addr+0(FP), AX
	MOVL (AX), AX
	MOVL AX, ret+8(FP)
	RET

// func walkFrames(pcs []uintptr) int
// Follows the frame-pointer chain from our caller's frame (a frameless
// leaf leaves BP as it found it): each frame holds the caller's frame
// pointer at 0(BP) and a return address at 8(BP). The walk stays within
// the goroutine's stack (the runtime's g starts with its bounds, lo then
// hi) and stops at a frame pointer that does not grow toward hi.
TEXT ·walkFrames(SB),NOSPLIT,$0-32
	MOVQ (TLS), R8
	MOVQ 0(R8), R9
	MOVQ 8(R8), R10
	MOVQ pcs_base+0(FP), DI
	MOVQ pcs_len+8(FP), CX
	XORQ AX, AX
	MOVQ BP, DX
walk:
	CMPQ AX, CX
	JGE done
	CMPQ DX, R9
	JB done
	LEAQ 16(DX), R11
	CMPQ R11, R10
	JA done
	MOVQ 8(DX), R11
	MOVQ R11, (DI)(AX*8)
	INCQ AX
	MOVQ 0(DX), R11
	CMPQ R11, DX
	JBE done
	MOVQ R11, DX
	JMP walk
done:
	MOVQ AX, ret+24(FP)
	RET

// func countFrames() int
// Counts the frames walkFrames would store, without a limit.
TEXT ·countFrames(SB),NOSPLIT,$0-8
	MOVQ (TLS), R8
	MOVQ 0(R8), R9
	MOVQ 8(R8), R10
	XORQ AX, AX
	MOVQ BP, DX
count:
	CMPQ DX, R9
	JB counted
	LEAQ 16(DX), R11
	CMPQ R11, R10
	JA counted
	INCQ AX
	MOVQ 0(DX), R11
	CMPQ R11, DX
	JBE counted
	MOVQ R11, DX
	JMP count
counted:
	MOVQ AX, ret+0(FP)
	RET
