/*
 * 512-bit Q8_0 and Q4_0 matmul kernels (AVX-512 VNNI + VBMI; the "avx512vbmi" build of libsirocco).
 * In that build they replace sirocco.c's 256-bit sr_matmul_q8_0 / sr_matmul_q4_0; the contract is the same
 * (see Kernels.java), checked against ScalarReference by KernelsTest.
 *
 * Work goes in groups of 8 blocks (256 columns). For each group:
 *  - the activations of a token are rearranged once per call (prep_x) into X0a = the first 16 values of
 *    blocks 0..3, X1a = their last 16, X0b/X1b the same for blocks 4..7, so that 128-bit lane j of a
 *    vpdpbusd result belongs to one block;
 *  - a weight row's 8 blocks are gathered with vpermt2b into the same order as unsigned bytes (Q4_0: the
 *    nibbles q, value q − 8; Q8_0: q + 128), 4 vectors per group, with the 8 fp16 scales in one more;
 *  - per (row, token): 4 vpdpbusd, one unpack/add step that leaves each block's sum in two lanes, an
 *    integer correction for the unsigned offset (8·Σx or 128·Σx per block, half in each lane), one
 *    conversion and one multiply-add by d_w·d_x into a 16-lane accumulator.
 * A partial last group reads the row with masked loads (zeros) and zero-padded activations.
 * Every token is computed by the same instruction sequence whatever the batch size or its position in it,
 * so a row's result does not depend on which other tokens share the call (prefix caching relies on this).
 */
#if defined(__AVX512VBMI__) && defined(__AVX512VNNI__) && defined(__AVX512BW__)
#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define QK 32
#define GB 8            /* blocks per group */
#define TT 8            /* tokens per tile (accumulators held in registers) */
#define GX 384          /* prepared bytes per token per group: 256 values, 16 int32 corrections, 16 float scales */

/* lane 4j+e of a reduced group holds half of block j + 4·(e & 1)'s sum */
static const int32_t LANE_BLOCK[16] = {0, 4, 0, 4, 1, 5, 1, 5, 2, 6, 2, 6, 3, 7, 3, 7};

static _Thread_local uint8_t *scratch;
static _Thread_local size_t scratch_cap;

static uint8_t *scratch_for(size_t bytes) {
    if (bytes > scratch_cap) {
        free(scratch);
        scratch = aligned_alloc(64, (bytes + 63) / 64 * 64);
        scratch_cap = scratch ? bytes : 0;
    }
    return scratch;
}

static inline __mmask64 bytes_mask(int64_t avail) {
    return avail >= 64 ? ~0ULL : avail <= 0 ? 0 : (~0ULL >> (64 - avail));
}

/* 64 bytes at p, of which only avail are readable (the rest read as zero) */
static inline __m512i ld(const uint8_t *p, int64_t avail) {
    return avail >= 64 ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi8(bytes_mask(avail), p);
}

/* one token's activations, rearranged per group; corrections are Σx per block shifted left by shift */
static void prep_x(const int8_t *xq, const float *xd, const int32_t *xs, int nb, int ng, int shift, uint8_t *out) {
    const __m512i lb = _mm512_loadu_si512(LANE_BLOCK);
    for (int g = 0; g < ng; g++) {
        uint8_t *o = out + (int64_t)g * GX;
        int left = nb - GB * g;
        const uint8_t *x = (const uint8_t *)(xq + (int64_t)QK * GB * g);
        __m512i z[4];
        __m256i s8;
        __m256 d8;
        if (left >= GB) {
            for (int k = 0; k < 4; k++) z[k] = _mm512_loadu_si512(x + 64 * k);
            s8 = _mm256_loadu_si256((const __m256i *)(xs + GB * g));
            d8 = _mm256_loadu_ps(xd + GB * g);
        } else {
            for (int k = 0; k < 4; k++) z[k] = ld(x + 64 * k, (int64_t)QK * left - 64 * k);
            __mmask8 m = (__mmask8)((1u << left) - 1);
            s8 = _mm256_maskz_loadu_epi32(m, xs + GB * g);
            d8 = _mm256_maskz_loadu_ps(m, xd + GB * g);
        }
        _mm512_store_si512(o, _mm512_shuffle_i64x2(z[0], z[1], 0x88));
        _mm512_store_si512(o + 64, _mm512_shuffle_i64x2(z[0], z[1], 0xDD));
        _mm512_store_si512(o + 128, _mm512_shuffle_i64x2(z[2], z[3], 0x88));
        _mm512_store_si512(o + 192, _mm512_shuffle_i64x2(z[2], z[3], 0xDD));
        __m512i c = _mm512_permutexvar_epi32(lb, _mm512_castsi256_si512(s8));
        _mm512_store_si512(o + 256, _mm512_sll_epi32(c, _mm_cvtsi32_si128(shift)));
        _mm512_store_ps(o + 320, _mm512_permutexvar_ps(lb, _mm512_castps256_ps512(d8)));
    }
}

/* one row's group as unsigned bytes W[0..3] (order of prep_x) and the 16-lane scale vector */
typedef struct {
    __m512i w[4];
    __m512 d;
} group_w;

static inline __m512 lane_scales(__m128i h8) {
    return _mm512_permutexvar_ps(_mm512_loadu_si512(LANE_BLOCK), _mm512_castps256_ps512(_mm256_cvtph_ps(h8)));
}

/* Q4_0 (18-byte blocks): the 16 packed bytes of 4 blocks with one vpermt2b, then low and high nibbles */
static inline group_w unpack_q4_0(const uint8_t *p, int64_t avail, __m512i idx_q, __m512i idx_d) {
    group_w g;
    __m512i a[2];
    const __m512i m4 = _mm512_set1_epi8(0x0f);
    for (int h = 0; h < 2; h++) {
        const uint8_t *q = p + 72 * h;
        a[h] = ld(q, avail - 72 * h);
        __m512i b = ld(q + 8, avail - 72 * h - 8);
        __m512i packed = _mm512_permutex2var_epi8(a[h], idx_q, b);
        g.w[2 * h] = _mm512_and_si512(packed, m4);
        g.w[2 * h + 1] = _mm512_and_si512(_mm512_srli_epi16(packed, 4), m4);
    }
    g.d = lane_scales(_mm512_castsi512_si128(_mm512_permutex2var_epi8(a[0], idx_d, a[1])));
    return g;
}

/* Q8_0 (34-byte blocks): first and last 16 bytes of 4 blocks with two vpermt2b, +128 to make them unsigned */
static inline group_w unpack_q8_0(const uint8_t *p, int64_t avail, __m512i idx_lo, __m512i idx_hi, __m512i idx_d) {
    group_w g;
    __m128i d[2];
    const __m512i bias = _mm512_set1_epi8((char)0x80);
    for (int h = 0; h < 2; h++) {
        const uint8_t *q = p + 136 * h;
        int64_t av = avail - 136 * h;
        __m512i a = ld(q, av), b = ld(q + 64, av - 64), s1 = ld(q + 16, av - 16), s2 = ld(q + 72, av - 72);
        g.w[2 * h] = _mm512_xor_si512(_mm512_permutex2var_epi8(a, idx_lo, b), bias);
        g.w[2 * h + 1] = _mm512_xor_si512(_mm512_permutex2var_epi8(s1, idx_hi, s2), bias);
        d[h] = _mm512_castsi512_si128(_mm512_permutex2var_epi8(a, idx_d, b));
    }
    g.d = lane_scales(_mm_unpacklo_epi64(d[0], d[1]));
    return g;
}

/* acc += this group's contribution for one prepared token x (GX bytes) */
static inline __m512 group_dot(const group_w *g, const uint8_t *x, __m512 acc) {
    __m512i sa = _mm512_dpbusd_epi32(_mm512_setzero_si512(), g->w[0], _mm512_load_si512(x));
    sa = _mm512_dpbusd_epi32(sa, g->w[1], _mm512_load_si512(x + 64));
    __m512i sb = _mm512_dpbusd_epi32(_mm512_setzero_si512(), g->w[2], _mm512_load_si512(x + 128));
    sb = _mm512_dpbusd_epi32(sb, g->w[3], _mm512_load_si512(x + 192));
    __m512i s = _mm512_add_epi32(_mm512_unpacklo_epi32(sa, sb), _mm512_unpackhi_epi32(sa, sb));
    s = _mm512_sub_epi32(s, _mm512_load_si512(x + 256));
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(g->d, _mm512_load_ps(x + 320)), acc);
}

enum { KIND_Q4_0, KIND_Q8_0 };

static void matmul_zmm(int kind, const uint8_t *w, int64_t row_bytes, int cols, int r0, int r1, const int8_t *xq,
                       const float *xd, const int32_t *xs, int count, float *y, int y_stride) {
    int nb = cols / QK, ng = (nb + GB - 1) / GB;
    int bb = kind == KIND_Q4_0 ? 18 : 34;
    uint8_t *buf = scratch_for((size_t)TT * ng * GX);
    if (buf == NULL) abort();
    uint8_t iq[64], id[64], ilo[64], ihi[64], id8[64];
    for (int k = 0; k < 64; k++) {
        int i = k / 16, j = k % 16, o = 18 * i + 2 + j;
        iq[k] = (uint8_t)(o < 64 ? o : 64 + o - 8);                 /* Q4_0 packed bytes from [0,64) and [8,72) */
        id[k] = (uint8_t)(k < 8 ? 18 * (k / 2) + k % 2 : k < 16 ? 64 + 18 * ((k - 8) / 2) + k % 2 : 0);
        ilo[k] = (uint8_t)(34 * i + 2 + j);                          /* Q8_0 first halves from [0,128) */
        o = 34 * i + 18 + j;
        ihi[k] = (uint8_t)(o < 80 ? o - 16 : 64 + o - 72);           /* last halves from [16,80) and [72,136) */
        id8[k] = (uint8_t)(k < 8 ? 34 * (k / 2) + k % 2 : 0);
    }
    const __m512i idx_q = _mm512_loadu_si512(iq), idx_d = _mm512_loadu_si512(id);
    const __m512i idx_lo = _mm512_loadu_si512(ilo), idx_hi = _mm512_loadu_si512(ihi), idx_d8 = _mm512_loadu_si512(id8);
    for (int t0 = 0; t0 < count; t0 += TT) {
        int n = count - t0 < TT ? count - t0 : TT;
        for (int k = 0; k < n; k++) {
            int64_t t = t0 + k;
            prep_x(xq + t * cols, xd + t * nb, xs + t * nb, nb, ng, kind == KIND_Q4_0 ? 2 : 6,
                   buf + (int64_t)k * ng * GX);
        }
        for (int r = r0; r < r1; r++) {
            const uint8_t *row = w + (int64_t)r * row_bytes;
            __m512 acc[TT];
            for (int k = 0; k < TT; k++) acc[k] = _mm512_setzero_ps();
            for (int g = 0; g < ng; g++) {
                int64_t avail = (int64_t)bb * (nb - GB * g);
                group_w gw = kind == KIND_Q4_0 ? unpack_q4_0(row + (int64_t)bb * GB * g, avail, idx_q, idx_d)
                                               : unpack_q8_0(row + (int64_t)bb * GB * g, avail, idx_lo, idx_hi, idx_d8);
                for (int k = 0; k < TT && k < n; k++) acc[k] = group_dot(&gw, buf + ((int64_t)k * ng + g) * GX, acc[k]);
            }
            for (int k = 0; k < n; k++) y[(int64_t)(t0 + k) * y_stride + r] = _mm512_reduce_add_ps(acc[k]);
        }
    }
}

void sr_matmul_q8_0(const uint8_t *w, int64_t row_bytes, int cols, int r0, int r1, const int8_t *xq, const float *xd,
                    const int32_t *xs, int count, float *y, int y_stride) {
    matmul_zmm(KIND_Q8_0, w, row_bytes, cols, r0, r1, xq, xd, xs, count, y, y_stride);
}

void sr_matmul_q4_0(const uint8_t *w, int64_t row_bytes, int cols, int r0, int r1, const int8_t *xq, const float *xd,
                    const int32_t *xs, int count, float *y, int y_stride) {
    matmul_zmm(KIND_Q4_0, w, row_bytes, cols, r0, r1, xq, xd, xs, count, y, y_stride);
}
#endif
