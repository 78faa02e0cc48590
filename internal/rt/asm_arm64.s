//go:build gc

#include "textflag.h"

// func goidAsm() uint64
TEXT ·Goid(SB),NOSPLIT,$0-8
	MOVD ·goidOffset(SB), R1
	MOVD (g)(R1), R0
	MOVD R0, ret+0(FP)
	RET

// func readg(off uintptr) uint64
TEXT ·readg(SB),NOSPLIT,$0-16
	MOVD off+0(FP), R1
	MOVD (g)(R1), R0
	MOVD R0, ret+8(FP)
	RET

// func Enter() (goid uint64, pc uintptr)
// R29 is our caller's frame pointer; 8(R29) holds its saved return address.
TEXT ·Enter(SB),NOSPLIT|NOFRAME,$0-16
	MOVD ·goidOffset(SB), R1
	MOVD (g)(R1), R0
	MOVD R0, goid+0(FP)
	MOVD 8(R29), R0
	MOVD R0, pc+8(FP)
	RET

// func GoidStack() (goid uint64, lo, hi uintptr)
// The runtime's g starts with its stack bounds, lo then hi.
TEXT ·GoidStack(SB),NOSPLIT,$0-24
	MOVD ·goidOffset(SB), R1
	MOVD (g)(R1), R0
	MOVD R0, goid+0(FP)
	MOVD 0(g), R0
	MOVD R0, lo+8(FP)
	MOVD 8(g), R0
	MOVD R0, hi+16(FP)
	RET

// func self() uintptr
TEXT ·self(SB),NOSPLIT,$0-8
	MOVD g, R0
	MOVD R0, ret+0(FP)
	RET

// func readAt(addr uintptr) uint64
TEXT ·readAt(SB),NOSPLIT,$0-16
	MOVD addr+0(FP), R1
	MOVD (R1), R0
	MOVD R0, ret+8(FP)
	RET

// func readAt32(addr uintptr) uint32
TEXT ·readAt32(SB),NOSPLIT,$0-12
	MOVD addr+0(FP), R1
	MOVWU (R1), R0
	MOVW R0, ret+8(FP)
	RET
