/*
 * libsirocco, second part: the weight types of llama-quantize's K-quant and IQ4 mixes beyond Q4_K/Q6_K
 * (Q5_K, Q3_K, Q2_K and IQ4_XS with Q8_K activations; IQ4_NL with Q8_0 activations). Compiled into
 * the same library as sirocco.c, once per ISA target (build.sh); the contract is Kernels.java's.
 *
 * Per 256-value block every K-type becomes 8 chunks W[j] of 32 small unsigned values (elements
 * 32j..32j+31), int16 scales S[j] per pair of bytes, int16 offsets M per 16-value group and two float
 * factors, so that the block contributes
 *   d_x · (da · Σ_j Σ S[j]·(W[j]·X[j]) − db · Σ_g M[g]·bsum_x[g])
 * (the offsets are the K-quants' mins, or Q3_K's −4, through the Q8_K group sums). IQ4_XS has signed
 * table values instead and no offsets.
 */
#include "sirocco.h"

static const int8_t kq_iq4_values[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

/* Q4_K/Q5_K: the 6-bit scale and min of sub-block j from the 12 packed bytes */
static inline void kq_scale_min_k4(const uint8_t *q, int j, int *sc, int *m) {
    if (j < 4) { *sc = q[j] & 63; *m = q[j + 4] & 63; }
    else { *sc = (q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4); *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4); }
}

/* Q3_K: the sixteen signed 6-bit scales (−32..31) */
static inline void kq_scales_q3(const uint8_t *s, int8_t out[16]) {
    for (int g = 0; g < 16; g++) {
        int low = g < 8 ? s[g] & 15 : s[g - 8] >> 4;
        out[g] = (int8_t)((low | ((s[8 + g % 4] >> (2 * (g / 4))) & 3) << 4) - 32);
    }
}

/* IQ4_XS: the signed scale (ls − 32) of sub-block ib */
static inline int kq_scale_iq4_xs(const uint8_t *blk, int ib) {
    return (((blk[4 + ib / 2] >> (4 * (ib % 2))) & 15) | (((load_u16(blk + 2) >> (2 * ib)) & 3) << 4)) - 32;
}

#if defined(__AVX2__)
/* 2-bit values: chunk 4h+k is (qs[32h..32h+31] >> 2k) & 3 */
static inline void kq_two_bits(const uint8_t *qs, __m256i W[8]) {
    const __m256i m3 = _mm256_set1_epi8(3);
    for (int h = 0; h < 2; h++) {
        __m256i q = _mm256_loadu_si256((const __m256i *)(qs + 32 * h));
        W[4 * h] = _mm256_and_si256(q, m3);
        W[4 * h + 1] = _mm256_and_si256(_mm256_srli_epi16(q, 2), m3);
        W[4 * h + 2] = _mm256_and_si256(_mm256_srli_epi16(q, 4), m3);
        W[4 * h + 3] = _mm256_and_si256(_mm256_srli_epi16(q, 6), m3);
    }
}

static inline void unpack_q5_K(const uint8_t *blk, __m256i W[8], __m256i S[8], __m256i *M, float *da, float *db) {
    *da = fp16_to_f32(load_u16(blk));
    *db = fp16_to_f32(load_u16(blk + 2));
    int16_t mins[16];
    for (int j = 0; j < 8; j++) {
        int sc, m;
        kq_scale_min_k4(blk + 4, j, &sc, &m);
        S[j] = _mm256_set1_epi16((short)sc);
        mins[2 * j] = mins[2 * j + 1] = (int16_t)m;
    }
    *M = _mm256_loadu_si256((const __m256i *)mins);
    const __m256i m4 = _mm256_set1_epi8(0x0f), one = _mm256_set1_epi8(1);
    __m256i qh = _mm256_loadu_si256((const __m256i *)(blk + 16));
    for (int k = 0; k < 4; k++) {
        __m256i b = _mm256_loadu_si256((const __m256i *)(blk + 48 + 32 * k));
        __m256i h0 = _mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * k)), one);
        __m256i h1 = _mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * k + 1)), one);
        W[2 * k] = _mm256_or_si256(_mm256_and_si256(b, m4), _mm256_slli_epi16(h0, 4));
        W[2 * k + 1] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(b, 4), m4), _mm256_slli_epi16(h1, 4));
    }
}

/* Q3_K stores q + 4 as 2 low bits + hmask bit (0..7): the −4 goes into M = 4·sc per group */
static inline void unpack_q3_K(const uint8_t *blk, __m256i W[8], __m256i S[8], __m256i *M, float *da, float *db) {
    *da = *db = fp16_to_f32(load_u16(blk + 108));
    int8_t sc[16];
    kq_scales_q3(blk + 96, sc);
    scales16(sc, S);
    *M = _mm256_slli_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)sc)), 2);
    kq_two_bits(blk + 32, W);
    __m256i hm = _mm256_loadu_si256((const __m256i *)blk);
    const __m256i one = _mm256_set1_epi8(1);
    for (int j = 0; j < 8; j++) {
        __m256i h = _mm256_and_si256(_mm256_srl_epi16(hm, _mm_cvtsi32_si128(j)), one);
        W[j] = _mm256_or_si256(W[j], _mm256_slli_epi16(h, 2));
    }
}

static inline void unpack_q2_K(const uint8_t *blk, __m256i W[8], __m256i S[8], __m256i *M, float *da, float *db) {
    *da = fp16_to_f32(load_u16(blk + 80));
    *db = fp16_to_f32(load_u16(blk + 82));
    int8_t sc[16];
    int16_t mins[16];
    for (int g = 0; g < 16; g++) {
        sc[g] = (int8_t)(blk[g] & 15);
        mins[g] = (int16_t)(blk[g] >> 4);
    }
    scales16(sc, S);
    *M = _mm256_loadu_si256((const __m256i *)mins);
    kq_two_bits(blk + 16, W);
}

/* IQ4 indices of 16 bytes → 32 signed values (low nibbles first) */
static inline __m256i kq_iq4_32(const uint8_t *qs) {
    const __m128i table = _mm_loadu_si128((const __m128i *)kq_iq4_values);
    __m128i q = _mm_loadu_si128((const __m128i *)qs);
    __m128i m4 = _mm_set1_epi8(0x0f);
    __m128i lo = _mm_shuffle_epi8(table, _mm_and_si128(q, m4));
    __m128i hi = _mm_shuffle_epi8(table, _mm_and_si128(_mm_srli_epi16(q, 4), m4));
    return _mm256_set_m128i(hi, lo);
}

static inline void unpack_iq4_xs(const uint8_t *blk, __m256i W[8], __m256i S[8], __m256i *M, float *da, float *db) {
    *da = fp16_to_f32(load_u16(blk));
    *db = 0.f;
    *M = _mm256_setzero_si256();
    for (int j = 0; j < 8; j++) {
        S[j] = _mm256_set1_epi16((short)kq_scale_iq4_xs(blk, j));
        W[j] = kq_iq4_32(blk + 8 + 16 * j);
    }
}

#if defined(__AVX512BW__) && defined(__AVX512VNNI__)
/* AVX-512 builds: Q5_K and IQ4_XS chunk pairs straight from the block (as sirocco.c's unpack2_q4_K); same
 * W, S and M as unpack_q5_K / unpack_iq4_xs */
static inline void unpack2_q5_K(const uint8_t *blk, __m512i W2[4], __m512i S2[4], __m256i *M, float *da, float *db) {
    *da = fp16_to_f32(load_u16(blk));
    *db = fp16_to_f32(load_u16(blk + 2));
    k4_scales_mins(blk + 4, S2, M);
    const __m512i m4 = _mm512_set1_epi8(0x0f), one = _mm512_set1_epi8(1), shift = _mm512_loadu_si512(HALF_SHIFT4);
    const __m512i half = _mm512_srli_epi16(shift, 2); /* 0 in the low half, 1 in the high half */
    __m512i qh = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(blk + 16)));
    for (int k = 0; k < 4; k++) {
        __m512i b = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(blk + 48 + 32 * k)));
        __m512i h = _mm512_and_si512(_mm512_srlv_epi16(qh, _mm512_add_epi16(half, _mm512_set1_epi16((short)(2 * k)))), one);
        W2[k] = _mm512_or_si512(_mm512_and_si512(_mm512_srlv_epi16(b, shift), m4), _mm512_slli_epi16(h, 4));
    }
}

static inline void unpack2_iq4_xs(const uint8_t *blk, __m512i W2[4], __m512i S2[4], __m256i *M, float *da, float *db) {
    *da = fp16_to_f32(load_u16(blk));
    *db = 0.f;
    *M = _mm256_setzero_si256();
    int16_t sc[16] = {0};
    for (int j = 0; j < 8; j++) sc[j] = (int16_t)kq_scale_iq4_xs(blk, j);
    __m512i s = _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)sc));
    for (int i = 0; i < 4; i++) S2[i] = _mm512_permutexvar_epi16(_mm512_loadu_si512(Q4K_SCALE_IDX[i]), s);
    const __m512i table = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)kq_iq4_values));
    const __m512i m4 = _mm512_set1_epi8(0x0f);
    /* 16-bit shift counts 0, 4, 0, 4 per 128-bit lane: chunk 2i = lo | hi nibbles of bytes 0-15, 2i+1 of 16-31 */
    const __m512i shift = _mm512_set_epi64(0x0004000400040004LL, 0x0004000400040004LL, 0, 0,
                                           0x0004000400040004LL, 0x0004000400040004LL, 0, 0);
    for (int i = 0; i < 4; i++) {
        __m512i v = _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(blk + 8 + 32 * i)));
        __m512i q = _mm512_shuffle_i64x2(v, v, _MM_SHUFFLE(1, 1, 0, 0));
        W2[i] = _mm512_shuffle_epi8(table, _mm512_and_si512(_mm512_srlv_epi16(q, shift), m4));
    }
}

Q8K_TILE_DOT512(tile_q5_K, unpack2_q5_K, pairs_u8s8, 176, 1)
Q8K_TILE_DOT512(tile_iq4_xs, unpack2_iq4_xs, pairs_s8s8, 136, 0)
#else
Q8K_TILE_DOT(tile_q5_K, unpack_q5_K, pairs_u8s8, 176, 1)
Q8K_TILE_DOT(tile_iq4_xs, unpack_iq4_xs, pairs_s8s8, 136, 0)

/* Q5_K, one activation row (Q8K_ROW_DOT): unpack_q5_K's chunks two at a time, its S[j] and M by shuffles */
static inline __m256i row_block_q5_K(const uint8_t *blk, const int8_t *x, __m256i *M, float *da, float *db) {
    *da = fp16_to_f32(load_u16(blk));
    *db = fp16_to_f32(load_u16(blk + 2));
    __m256i sm2 = k4_scales_mins_row(blk + 4, M);
    const __m256i m4 = _mm256_set1_epi8(0x0f), b4 = _mm256_set1_epi8(0x10);
    __m256i qh = _mm256_loadu_si256((const __m256i *)(blk + 16));
    __m256i isum = _mm256_setzero_si256();
    for (int k = 0; k < 4; k++) {
        __m256i b = _mm256_loadu_si256((const __m256i *)(blk + 48 + 32 * k));
        /* bit 2k of qh to bit 4 of chunk 2k, bit 2k+1 to bit 4 of chunk 2k+1 */
        __m256i h0 = k < 2 ? _mm256_slli_epi16(qh, 4 - 2 * k) : _mm256_srli_epi16(qh, 2 * k - 4);
        __m256i h1 = k < 2 ? _mm256_slli_epi16(qh, 3 - 2 * k) : _mm256_srli_epi16(qh, 2 * k - 3);
        __m256i w0 = _mm256_or_si256(_mm256_and_si256(b, m4), _mm256_and_si256(h0, b4));
        __m256i w1 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(b, 4), m4), _mm256_and_si256(h1, b4));
        __m256i s0 = k4_scale(sm2, 2 * k), s1 = k4_scale(sm2, 2 * k + 1);
        __m256i p0 = _mm256_maddubs_epi16(w0, _mm256_loadu_si256((const __m256i *)(x + 64 * k)));
        __m256i p1 = _mm256_maddubs_epi16(w1, _mm256_loadu_si256((const __m256i *)(x + 64 * k + 32)));
        isum = _mm256_add_epi32(isum, _mm256_add_epi32(_mm256_madd_epi16(p0, s0), _mm256_madd_epi16(p1, s1)));
    }
    return isum;
}

/* IQ4_XS's eight signed scales as int16 lanes 0-7 of both halves: low nibbles from scales_l, two high bits
 * each from scales_h (spread to one per byte in a 64-bit word) */
static inline __m256i iq4_xs_scales_vec(const uint8_t *blk) {
    uint64_t h = load_u16(blk + 2);
    h = (h | h << 24) & 0x000000ff000000ffULL;
    h = (h | h << 12) & 0x000f000f000f000fULL;
    h = (h | h << 6) & 0x0303030303030303ULL;
    __m128i l = _mm_cvtsi32_si128((int)load_u32(blk + 4));
    const __m128i m4 = _mm_set1_epi8(0x0f);
    __m128i low = _mm_unpacklo_epi8(_mm_and_si128(l, m4), _mm_and_si128(_mm_srli_epi16(l, 4), m4));
    __m128i s = _mm_or_si128(low, _mm_slli_epi16(_mm_cvtsi64_si128((long long)h), 4));
    return _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(_mm_sub_epi8(s, _mm_set1_epi8(32))));
}

/* IQ4_XS, one activation row: a chunk's 16 index bytes in both halves, the upper half shifted by 4 (high nibbles),
 * one table shuffle (a broadcast load needs no shuffle unit, a cross-half permute would) */
static inline __m256i row_block_iq4_xs(const uint8_t *blk, const int8_t *x, __m256i *M, float *da, float *db) {
    *da = fp16_to_f32(load_u16(blk));
    *db = 0.f;
    *M = _mm256_setzero_si256();
    __m256i sc = iq4_xs_scales_vec(blk);
    const __m256i table = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)kq_iq4_values));
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    __m256i isum = _mm256_setzero_si256();
    const __m256i half4 = _mm256_setr_epi32(0, 0, 0, 0, 4, 4, 4, 4);
    for (int i = 0; i < 4; i++) {
        __m256i q0 = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(blk + 8 + 32 * i)));
        __m256i q1 = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(blk + 24 + 32 * i)));
        __m256i w0 = _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srlv_epi32(q0, half4), m4));
        __m256i w1 = _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srlv_epi32(q1, half4), m4));
        __m256i p0 = pairs_s8s8(w0, _mm256_loadu_si256((const __m256i *)(x + 64 * i)));
        __m256i p1 = pairs_s8s8(w1, _mm256_loadu_si256((const __m256i *)(x + 64 * i + 32)));
        isum = _mm256_add_epi32(isum, _mm256_add_epi32(_mm256_madd_epi16(p0, bcast_i16(sc, 2 * i)),
                                                       _mm256_madd_epi16(p1, bcast_i16(sc, 2 * i + 1))));
    }
    return isum;
}

Q8K_ROW_DOT(row_dot_q5_K, row_block_q5_K, 176, 1)
Q8K_ROW_DOT(row_dot_iq4_xs, row_block_iq4_xs, 136, 0)
#endif
Q8K_TILE_DOT(tile_q3_K, unpack_q3_K, pairs_u8s8, 110, 1)
Q8K_TILE_DOT(tile_q2_K, unpack_q2_K, pairs_u8s8, 84, 1)

/* IQ4_NL against Q8_0 activations: one block of 32, an exact int32 dot per block */
static void tile_iq4_nl(const uint8_t *w, const int8_t *xq, const float *xd, int nb, int64_t cols, int n,
                        float *out) {
    __m256 acc[TILE];
    for (int k = 0; k < TILE; k++) acc[k] = _mm256_setzero_ps();
    for (int b = 0; b < nb; b++) {
        const uint8_t *blk = w + 18 * b;
        __m256i wv = kq_iq4_32(blk + 2);
        float dw = fp16_to_f32(load_u16(blk));
        for (int k = 0; k < TILE && k < n; k++) {
            __m256i xv = _mm256_loadu_si256((const __m256i *)(xq + k * cols + 32 * b));
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
            __m256i dot = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_sign_epi8(xv, xv), _mm256_sign_epi8(wv, xv));
#else
            __m256i dot = _mm256_madd_epi16(pairs_s8s8(wv, xv), _mm256_set1_epi16(1));
#endif
            acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(dw * xd[k * nb + b]), _mm256_cvtepi32_ps(dot), acc[k]);
        }
    }
    hsum_tile(acc, n, out);
}

#else /* scalar: the same integer sums, one activation row at a time */

/* 2-bit value of element e of 256 from the 64 bytes at qs */
static inline int kq_two(const uint8_t *qs, int e) {
    return (qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
}

static float dot_q5_K(const uint8_t *blk, const int8_t *x, const int16_t *bs) {
    int isum = 0, msum = 0;
    for (int j = 0; j < 8; j++) {
        int sc, m, sub = 0;
        kq_scale_min_k4(blk + 4, j, &sc, &m);
        const uint8_t *ql = blk + 48 + 32 * (j / 2);
        for (int k = 0; k < 32; k++) {
            int q = ((ql[k] >> (4 * (j & 1))) & 15) | (((blk[16 + k] >> j) & 1) << 4);
            sub += q * x[32 * j + k];
        }
        isum += sc * sub;
        msum += m * (bs[2 * j] + bs[2 * j + 1]);
    }
    return fp16_to_f32(load_u16(blk)) * (float)isum - fp16_to_f32(load_u16(blk + 2)) * (float)msum;
}

static float dot_q3_K(const uint8_t *blk, const int8_t *x, const int16_t *bs) {
    (void)bs;
    int8_t sc[16];
    kq_scales_q3(blk + 96, sc);
    int isum = 0;
    for (int g = 0; g < 16; g++) {
        int sub = 0;
        for (int k = 0; k < 16; k++) {
            int e = 16 * g + k;
            int q = kq_two(blk + 32, e) - (((blk[e % 32] >> (e / 32)) & 1) ? 0 : 4);
            sub += q * x[e];
        }
        isum += sc[g] * sub;
    }
    return fp16_to_f32(load_u16(blk + 108)) * (float)isum;
}

static float dot_q2_K(const uint8_t *blk, const int8_t *x, const int16_t *bs) {
    int isum = 0, msum = 0;
    for (int g = 0; g < 16; g++) {
        int sub = 0;
        for (int k = 0; k < 16; k++) sub += kq_two(blk + 16, 16 * g + k) * x[16 * g + k];
        isum += (blk[g] & 15) * sub;
        msum += (blk[g] >> 4) * bs[g];
    }
    return fp16_to_f32(load_u16(blk + 80)) * (float)isum - fp16_to_f32(load_u16(blk + 82)) * (float)msum;
}

/* Σ value(index_j)·x[j] over 32 values whose indices are the 16 bytes at qs */
static inline int kq_dot_iq4(const uint8_t *qs, const int8_t *x) {
    int s = 0;
    for (int j = 0; j < 16; j++) s += kq_iq4_values[qs[j] & 15] * x[j] + kq_iq4_values[qs[j] >> 4] * x[j + 16];
    return s;
}

static float dot_iq4_xs(const uint8_t *blk, const int8_t *x, const int16_t *bs) {
    (void)bs;
    int isum = 0;
    for (int ib = 0; ib < 8; ib++) isum += kq_scale_iq4_xs(blk, ib) * kq_dot_iq4(blk + 8 + 16 * ib, x + 32 * ib);
    return fp16_to_f32(load_u16(blk)) * (float)isum;
}

Q8K_SCALAR_TILE(tile_q5_K, dot_q5_K, 176)
Q8K_SCALAR_TILE(tile_q3_K, dot_q3_K, 110)
Q8K_SCALAR_TILE(tile_q2_K, dot_q2_K, 84)
Q8K_SCALAR_TILE(tile_iq4_xs, dot_iq4_xs, 136)

static void tile_iq4_nl(const uint8_t *w, const int8_t *xq, const float *xd, int nb, int64_t cols, int n,
                        float *out) {
    for (int k = 0; k < n; k++) {
        float s = 0.f;
        for (int b = 0; b < nb; b++)
            s += fp16_to_f32(load_u16(w + 18 * b)) * xd[k * nb + b] * (float)kq_dot_iq4(w + 18 * b + 2, xq + k * cols + 32 * b);
        out[k] = s;
    }
}
#endif

Q8K_MATMUL_DECODE(sr_matmul_q5_K, tile_q5_K, row_dot_q5_K)
Q8K_MATMUL(sr_matmul_q3_K, tile_q3_K)
Q8K_MATMUL(sr_matmul_q2_K, tile_q2_K)
Q8K_MATMUL_DECODE(sr_matmul_iq4_xs, tile_iq4_xs, row_dot_iq4_xs)

void sr_matmul_iq4_nl(const uint8_t *w, int64_t row_bytes, int cols, int r0, int r1, const int8_t *xq,
                      const float *xd, int count, float *y, int y_stride) {
    int nb = cols / 32;
    float out[TILE];
    for (int r = r0; r < r1; r++) {
        const uint8_t *row = w + (int64_t)r * row_bytes;
        for (int t = 0; t < count; t += TILE) {
            int n = count - t < TILE ? count - t : TILE;
            tile_iq4_nl(row, xq + (int64_t)t * cols, xd + (int64_t)t * nb, nb, cols, n, out);
            for (int k = 0; k < n; k++) y[(int64_t)(t + k) * y_stride + r] = out[k];
        }
    }
}
