#ifndef CK_VECTORS_H
#define CK_VECTORS_H

// What the vector kernels share. Each is compiled once per instruction set (`CK_CLONES`: AVX-512,
// AVX2, the x86-64 baseline), the copy to run picked when the program loads, and all work on
// sixteen lanes whatever the copy, with contraction into fused multiply-adds off: every copy does
// the same operations in the same order, so all give the same bytes.

#pragma clang fp contract(off)

#if defined(__x86_64__)
#define CK_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CK_CLONES
#endif

typedef float ck_v16 __attribute__((vector_size(64), aligned(4)));
// Sixteen ints: a comparison's lanes (all ones where true), or positions.
typedef int ck_int16 __attribute__((vector_size(64), aligned(4)));

// Macros rather than functions: a function taking or giving a vector would have one calling
// convention for all the copies, which the compiler refuses for vectors wider than the baseline's.
#define CK_LOAD16(p) (*(const ck_v16 *)(p))
#define CK_STORE16(p, v) (*(ck_v16 *)(p) = (v))

// `b` where `condition` (a comparison of vectors) holds, `a` elsewhere, lane by lane.
#define CK_SELECT(condition, b, a) ((ck_v16)(((condition) & (ck_int16)(b)) | (~(condition) & (ck_int16)(a))))

// ReLU as the layer does it: 0 where 0 ≥ x (−0 included), x elsewhere (NaN included).
#define CK_RECTIFIED(x) CK_SELECT((ck_v16){} >= (x), (ck_v16){}, x)

#endif
