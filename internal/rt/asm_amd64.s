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
