/* zmm.c compiled against SIMDe's portable AVX-512 (for checking its logic on a CPU without AVX-512) */
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <immintrin.h>
#include <simde/x86/avx512.h>
#include <string.h>
static simde__m512i shim_maskz_loadu_epi8(uint64_t k, const void *p) {
    int8_t b[64]; for (int i = 0; i < 64; i++) b[i] = (k >> i) & 1 ? ((const int8_t *)p)[i] : 0;
    simde__m512i r; memcpy(&r, b, 64); return r;
}
static simde__m256i shim_maskz_loadu_epi32(uint8_t k, const void *p) {
    int32_t b[8]; for (int i = 0; i < 8; i++) { b[i] = 0; if ((k >> i) & 1) memcpy(&b[i], (const char *)p + 4 * i, 4); }
    simde__m256i r; memcpy(&r, b, 32); return r;
}
static simde__m256 shim_maskz_loadu_ps(uint8_t k, const void *p) {
    simde__m256i r = shim_maskz_loadu_epi32(k, p); simde__m256 f; memcpy(&f, &r, 32); return f;
}
#undef _mm512_maskz_loadu_epi8
#define _mm512_maskz_loadu_epi8(k, p) shim_maskz_loadu_epi8(k, p)
#undef _mm256_maskz_loadu_epi32
#define _mm256_maskz_loadu_epi32(k, p) shim_maskz_loadu_epi32(k, p)
#undef _mm256_maskz_loadu_ps
#define _mm256_maskz_loadu_ps(k, p) shim_maskz_loadu_ps(k, p)
static simde__m512i shim_shuffle_i64x2(simde__m512i a, simde__m512i b, int imm) {
    uint64_t x[8], y[8], r[8]; memcpy(x, &a, 64); memcpy(y, &b, 64);
    for (int l = 0; l < 4; l++) { const uint64_t *src = l < 2 ? x : y; int sel = (imm >> (2 * l)) & 3; r[2 * l] = src[2 * sel]; r[2 * l + 1] = src[2 * sel + 1]; }
    simde__m512i o; memcpy(&o, r, 64); return o;
}
#undef _mm512_shuffle_i64x2
#define _mm512_shuffle_i64x2(a, b, i) shim_shuffle_i64x2(a, b, i)
static simde__m512 shim_cvtepi32_ps(simde__m512i a) {
    int32_t x[16]; float r[16]; memcpy(x, &a, 64); for (int i = 0; i < 16; i++) r[i] = (float)x[i];
    simde__m512 o; memcpy(&o, r, 64); return o;
}
#undef _mm512_cvtepi32_ps
#define _mm512_cvtepi32_ps(a) shim_cvtepi32_ps(a)
static float shim_reduce_add_ps(simde__m512 a) {
    float x[16]; memcpy(x, &a, 64); for (int w = 8; w >= 1; w /= 2) for (int i = 0; i < w; i++) x[i] += x[i + w]; return x[0];
}
#undef _mm512_reduce_add_ps
#define _mm512_reduce_add_ps(a) shim_reduce_add_ps(a)
#define __AVX512VBMI__ 1
#define __AVX512VNNI__ 1
#define __AVX512BW__ 1
#define sr_matmul_q4_0 zmm_q4_0
#define sr_matmul_q8_0 zmm_q8_0
#include "../../main/c/zmm.c"
