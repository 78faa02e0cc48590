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

// func walkFrames(pcs []uintptr) int
// Follows the frame-pointer chain from our caller's frame: each frame
// holds the caller's frame pointer at 0(R29) and a return address at
// 8(R29). The walk stays within the goroutine's stack (the runtime's g
// starts with its bounds, lo then hi) and stops at a frame pointer that
// does not grow toward hi.
TEXT ·walkFrames(SB),NOSPLIT|NOFRAME,$0-32
	MOVD 0(g), R4
	MOVD 8(g), R5
	MOVD pcs_base+0(FP), R6
	MOVD pcs_len+8(FP), R7
	MOVD $0, R0
	MOVD R29, R2
walk:
	CMP R7, R0
	BGE done
	CMP R4, R2
	BLO done
	ADD $16, R2, R3
	CMP R5, R3
	BHI done
	MOVD 8(R2), R3
	MOVD R3, (R6)(R0<<3)
	ADD $1, R0
	MOVD 0(R2), R3
	CMP R2, R3
	BLS done
	MOVD R3, R2
	B walk
done:
	MOVD R0, ret+24(FP)
	RET

// func countFrames() int
// Counts the frames walkFrames would store, without a limit.
TEXT ·countFrames(SB),NOSPLIT|NOFRAME,$0-8
	MOVD 0(g), R4
	MOVD 8(g), R5
	MOVD $0, R0
	MOVD R29, R2
count:
	CMP R4, R2
	BLO counted
	ADD $16, R2, R3
	CMP R5, R3
	BHI counted
	ADD $1, R0
	MOVD 0(R2), R3
	CMP R2, R3
	BLS counted
	MOVD R3, R2
	B count
counted:
	MOVD R0, ret+0(FP)
	RET
