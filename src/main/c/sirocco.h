/*
 * libsirocco's shared helpers: fp16/bf16 conversion, little-endian loads, Q4_K/Q5_K's scale unpacking, the
 * horizontal sum, and the tile/row-loop skeleton of the kernels with Q8_K activations. Included by every .c file of the library
 * (sirocco.c, kquants.c, iquants.c), each compiled once per ISA target (build.sh, which rebuilds when a
 * header changes).
 */
#ifndef SIROCCO_H
#define SIROCCO_H
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

static inline float fp16_to_f32(uint16_t h) {
#if defined(__F16C__)
    return _cvtsh_ss(h);
#else
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0) {
        if (man == 0) bits = sign;
        else { /* subnormal: normalise */
            exp = 127 - 15 + 1;
            while (!(man & 0x400)) { man <<= 1; exp--; }
            bits = sign | (exp << 23) | ((man & 0x3ff) << 13);
        }
    } else if (exp == 31) bits = sign | 0x7f800000 | (man << 13);
    else bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
    float f;
    memcpy(&f, &bits, 4);
    return f;
#endif
}

static inline float bf16_to_f32(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static inline uint16_t load_u16(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static inline uint32_t load_u32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Q4_K/Q5_K's 12 packed bytes of 6-bit scales and mins (llama.cpp's kmask shuffle), spread to one byte
 * each: bytes 0-7 of u are the 8 scales, bytes 8-15 the 8 mins */
static inline void k4_unpack_scales_mins(const uint8_t *packed, uint32_t u[4]) {
    memcpy(u, packed, 12);
    const uint32_t k1 = 0x3f3f3f3f, k2 = 0x0f0f0f0f, k3 = 0x03030303;
    u[3] = ((u[2] >> 4) & k2) | (((u[1] >> 6) & k3) << 4);
    uint32_t mins_lo = u[1] & k1;
    u[1] = (u[2] & k2) | (((u[0] >> 6) & k3) << 4);
    u[2] = mins_lo;
    u[0] &= k1;
}

/* activation rows (tokens) per weight-block unpack */
#define TILE 4
#define QKK 256

#if defined(__AVX2__)
static inline float hsum(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
    return _mm_cvtss_f32(lo);
}

/* out[k] = the horizontal sum of acc[k], for the tile's n rows */
static inline void hsum_tile(const __m256 acc[TILE], int n, float *out) {
    for (int k = 0; k < n; k++) out[k] = hsum(acc[k]);
}

/* int16 pair sums of unsigned W times signed x */
static inline __m256i pairs_u8s8(__m256i w, __m256i x) {
    return _mm256_maddubs_epi16(w, x);
}

/* int16 pair sums of signed W times signed x (sign trick; |w|,|x| ≤ 127: no saturation) */
static inline __m256i pairs_s8s8(__m256i w, __m256i x) {
    return _mm256_maddubs_epi16(_mm256_sign_epi8(x, x), _mm256_sign_epi8(w, x));
}

/* S[j] for sixteen per-16 scales: lanes 0-7 take sc[2j], lanes 8-15 sc[2j+1] */
static inline void scales16(const int8_t *sc, __m256i S[8]) {
    for (int j = 0; j < 8; j++) S[j] = _mm256_set_m128i(_mm_set1_epi16(sc[2 * j + 1]), _mm_set1_epi16(sc[2 * j]));
}

/*
 * Per 256-value block, UNPACK gives 8 chunks W[j] of 32 small values (elements 32j..32j+31; unsigned
 * for PAIRS = pairs_u8s8, signed for pairs_s8s8), int16 scales S[j] per pair of bytes (lanes 0-7 cover
 * elements 32j..32j+15, lanes 8-15 the next 16), int16 offsets M per 16-value group and two float
 * factors, so that the block contributes
 *   d_x · (da · Σ_j Σ_lanes S[j]·(W[j]·X[j]) − db · Σ_g M[g]·bsum_x[g])
 * (HAS_M = 0 drops the second term). maddubs gives int16 pair sums and madd by S sums and scales them.
 */
/* acc plus that contribution of one block for one activation row (both tile widths end here): isum holds
 * the block's integer sum Σ_j S[j]·(W[j]·X[j]) in 8 int32 lanes, bsum the row's 16 group sums of the block */
static inline __m256 q8k_block_acc(__m256 acc, __m256i isum, float dx, float da, float db, int has_m,
                                   const int16_t *bsum, const __m256i *M) {
    acc = _mm256_fmadd_ps(_mm256_set1_ps(da * dx), _mm256_cvtepi32_ps(isum), acc);
    if (has_m) {
        __m256i bsv = _mm256_loadu_si256((const __m256i *)bsum);
        acc = _mm256_fnmadd_ps(_mm256_set1_ps(db * dx), _mm256_cvtepi32_ps(_mm256_madd_epi16(bsv, *M)), acc);
    }
    return acc;
}

#if defined(__AVX512BW__) && defined(__AVX512VNNI__)
/*
 * AVX-512 VNNI builds: chunks 2i and 2i+1 side by side in one 512-bit register (their activations,
 * elements 64i..64i+63, are contiguous), maddubs for the int16 pair sums and one vpdpwssd for
 * "multiply by the scales, sum pairs and accumulate" (AVX2 needs madd + add). The two halves are added
 * before the conversion, so each int32 lane holds exactly the AVX2 kernel's integer sum: same bits.
 */
static inline __m512i pairs_u8s8_512(__m512i w, __m512i x) {
    return _mm512_maddubs_epi16(w, x);
}

/* the sign trick without vpsignb: |x| times w negated where x < 0 (where x = 0 the product is 0 anyway) */
static inline __m512i pairs_s8s8_512(__m512i w, __m512i x) {
    __m512i wneg = _mm512_mask_sub_epi8(w, _mm512_movepi8_mask(x), _mm512_setzero_si512(), w);
    return _mm512_maddubs_epi16(_mm512_abs_epi8(x), wneg);
}

static inline __m512i join256(__m256i lo, __m256i hi) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

__attribute__((unused)) static const int16_t Q4K_SCALE_IDX[4][32] = {
#define R(a) a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a
    {R(0), R(1)}, {R(2), R(3)}, {R(4), R(5)}, {R(6), R(7)}
#undef R
};
__attribute__((unused)) static const int16_t Q6K_SCALE_IDX[4][32] = {
#define R(a) a, a, a, a, a, a, a, a
    {R(0), R(1), R(2), R(3)}, {R(4), R(5), R(6), R(7)}, {R(8), R(9), R(10), R(11)}, {R(12), R(13), R(14), R(15)}
#undef R
};
__attribute__((unused)) static const int16_t Q4K_MIN_IDX[16] = {8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15};
__attribute__((unused)) static const int16_t HALF_SHIFT4[32] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                        4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4};

/* Q4_K/Q5_K's 12 packed bytes: S2[i] = the 6-bit scales of chunks 2i, 2i+1 in int16 lanes, M = the mins,
 * one per 16-value group */
static inline void k4_scales_mins(const uint8_t *packed, __m512i S2[4], __m256i *M) {
    uint32_t u[4];
    k4_unpack_scales_mins(packed, u);
    __m256i sm = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)u)); /* 8 scales, then 8 mins */
    for (int i = 0; i < 4; i++)
        S2[i] = _mm512_permutexvar_epi16(_mm512_loadu_si512(Q4K_SCALE_IDX[i]), _mm512_castsi256_si512(sm));
    *M = _mm256_permutexvar_epi16(_mm256_loadu_si256((const __m256i *)Q4K_MIN_IDX), sm);
}

/* UNPACK2 gives the chunk pairs W2[i] = (W[2i], W[2i+1]) and their scales S2[i] directly */
#define Q8K_TILE_DOT512(NAME, UNPACK2, PAIRS, BB, HAS_M)                                                  \
    static void NAME(const uint8_t *w, const int8_t *xq, const float *xd, const int16_t *bs, int nb,       \
                     int64_t cols, int n, float *out) {                                                    \
        __m256 acc[TILE];                                                                                  \
        for (int k = 0; k < TILE; k++) acc[k] = _mm256_setzero_ps();                                       \
        for (int b = 0; b < nb; b++) {                                                                     \
            __m512i W2[4], S2[4];                                                                          \
            __m256i M;                                                                                     \
            float da, db;                                                                                  \
            UNPACK2(w + (int64_t)BB * b, W2, S2, &M, &da, &db);                                            \
            for (int k = 0; k < TILE && k < n; k++) {                                                      \
                const int8_t *x = xq + k * cols + QKK * b;                                                 \
                __m512i isum = _mm512_setzero_si512();                                                     \
                for (int i = 0; i < 4; i++)                                                                \
                    isum = _mm512_dpwssd_epi32(isum, PAIRS##_512(W2[i], _mm512_loadu_si512(x + 64 * i)),   \
                                               S2[i]);                                                     \
                __m256i s = _mm256_add_epi32(_mm512_castsi512_si256(isum),                                 \
                                             _mm512_extracti64x4_epi64(isum, 1));                          \
                acc[k] = q8k_block_acc(acc[k], s, xd[k * nb + b], da, db, HAS_M,                           \
                                       bs + k * cols / 16 + 16 * b, &M);                                   \
            }                                                                                              \
        }                                                                                                  \
        hsum_tile(acc, n, out);                                                                            \
    }

/* any type with a 256-bit UNPACK: its chunks joined in pairs (W2[i] = W[2i] | W[2i+1], S2 likewise) */
#define Q8K_TILE_DOT(NAME, UNPACK, PAIRS, BB, HAS_M)                                                       \
    static inline void NAME##_unpack2(const uint8_t *blk, __m512i W2[4], __m512i S2[4], __m256i *M,        \
                                      float *da, float *db) {                                              \
        __m256i W[8], S[8];                                                                                \
        UNPACK(blk, W, S, M, da, db);                                                                      \
        for (int i = 0; i < 4; i++) {                                                                      \
            W2[i] = join256(W[2 * i], W[2 * i + 1]);                                                       \
            S2[i] = join256(S[2 * i], S[2 * i + 1]);                                                       \
        }                                                                                                  \
    }                                                                                                      \
    Q8K_TILE_DOT512(NAME, NAME##_unpack2, PAIRS, BB, HAS_M)
#else
#define Q8K_TILE_DOT(NAME, UNPACK, PAIRS, BB, HAS_M)                                                       \
    static void NAME(const uint8_t *w, const int8_t *xq, const float *xd, const int16_t *bs, int nb,       \
                     int64_t cols, int n, float *out) {                                                    \
        __m256 acc[TILE];                                                                                  \
        for (int k = 0; k < TILE; k++) acc[k] = _mm256_setzero_ps();                                       \
        for (int b = 0; b < nb; b++) {                                                                     \
            __m256i W[8], S[8], M;                                                                         \
            float da, db;                                                                                  \
            UNPACK(w + (int64_t)BB * b, W, S, &M, &da, &db);                                               \
            for (int k = 0; k < TILE && k < n; k++) {                                                      \
                const int8_t *x = xq + k * cols + QKK * b;                                                 \
                __m256i isum = _mm256_setzero_si256();                                                     \
                for (int j = 0; j < 8; j++)                                                                \
                    isum = _mm256_add_epi32(isum, _mm256_madd_epi16(PAIRS(W[j],                            \
                        _mm256_loadu_si256((const __m256i *)(x + 32 * j))), S[j]));                        \
                acc[k] = q8k_block_acc(acc[k], isum, xd[k * nb + b], da, db, HAS_M,                       \
                                       bs + k * cols / 16 + 16 * b, &M);                                   \
            }                                                                                              \
        }                                                                                                  \
        hsum_tile(acc, n, out);                                                                            \
    }
#endif

#if !(defined(__AVX512BW__) && defined(__AVX512VNNI__))
/*
 * AVX2 builds, one activation row (decode): ROW_DOT streams each weight block against the row, two chunks at a
 * time, with the scales made by byte shuffles from one vector, instead of unpacking the whole block into
 * registers first (16 vectors plus the scales: more than AVX2's 16 registers). BLOCK returns the block's
 * isum with the same 8 int32 lanes as the tile kernel's (the same products, summed per lane in another
 * order: integers, so the same values) and M, da, db; the float steps are q8k_block_acc's and hsum's, so the
 * result has the same bits as the tile path's (KernelsTest: a token alone and in a batch).
 */
/* how far ahead of the block in use the one-row kernels prefetch weights: 16-25 % less time per block from DRAM,
 * none in cache (docs/benchmarks.md, issue 13 round 6) */
#define ROW_PREFETCH 2048
#define Q8K_ROW_DOT(NAME, BLOCK, BB, HAS_M)                                                                \
    static float NAME(const uint8_t *w, const int8_t *x, const float *xd, const int16_t *bs, int nb) {     \
        __m256 acc = _mm256_setzero_ps();                                                                  \
        for (int b = 0; b < nb; b++) {                                                                     \
            __m256i M;                                                                                     \
            float da, db;                                                                                  \
            for (int o = 0; o < BB; o += 64) /* the weights 2 KiB ahead (the next rows), from DRAM */      \
                _mm_prefetch((const char *)w + (int64_t)BB * b + ROW_PREFETCH + o, _MM_HINT_T0);           \
            __m256i isum = BLOCK(w + (int64_t)BB * b, x + QKK * b, &M, &da, &db);                          \
            acc = q8k_block_acc(acc, isum, xd[b], da, db, HAS_M, bs + 16 * b, &M);                         \
        }                                                                                                  \
        return hsum(acc);                                                                                  \
    }

/* Q4_K/Q5_K's 12 packed bytes (k4_unpack_scales_mins in one vector, reading 16 bytes) in both halves: bytes
 * 0-7 the scales, 8-15 the mins; M = the mins as int16, one per 16-value group */
static inline __m256i k4_scales_mins_row(const uint8_t *packed, __m256i *M) {
    __m128i v = _mm_loadu_si128((const __m128i *)packed);                  /* dwords u0 u1 u2 (u3 unused) */
    __m128i lo = _mm_shuffle_epi32(v, _MM_SHUFFLE(2, 1, 2, 0));            /* u0 u2 u1 u2 */
    __m128i hi = _mm_shuffle_epi32(v, _MM_SHUFFLE(1, 1, 0, 0));            /* u0 u0 u1 u1 */
    lo = _mm_and_si128(_mm_srlv_epi32(lo, _mm_setr_epi32(0, 0, 0, 4)),
                       _mm_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f));
    hi = _mm_and_si128(_mm_srli_epi32(hi, 2), _mm_setr_epi32(0, 0x30303030, 0, 0x30303030));
    __m256i sm2 = _mm256_broadcastsi128_si256(_mm_or_si128(lo, hi));
    *M = _mm256_shuffle_epi8(sm2, _mm256_setr_epi8(8, -1, 8, -1, 9, -1, 9, -1, 10, -1, 10, -1, 11, -1, 11, -1,
                                                   12, -1, 12, -1, 13, -1, 13, -1, 14, -1, 14, -1, 15, -1, 15, -1));
    return sm2;
}

/* scale j of k4_scales_mins_row's vector as int16 in all 16 lanes */
static inline __m256i k4_scale(__m256i sm2, int j) {
    return _mm256_shuffle_epi8(sm2, _mm256_set1_epi16((short)(0xff00 | j)));
}

/* the broadcast of one int16 lane (lanes 0-7 of v) to all 16 lanes; v holds the same 8 lanes in both halves */
static inline __m256i bcast_i16(__m256i v, int j) {
    return _mm256_shuffle_epi8(v, _mm256_set1_epi16((short)(2 * j | (2 * j + 1) << 8)));
}
#endif
#else
/* scalar builds: one activation row per call, the same integer sums */
#define Q8K_SCALAR_TILE(NAME, DOT, BB)                                                                     \
    static void NAME(const uint8_t *w, const int8_t *xq, const float *xd, const int16_t *bs, int nb,       \
                     int64_t cols, int n, float *out) {                                                    \
        for (int k = 0; k < n; k++) {                                                                      \
            float s = 0.f;                                                                                 \
            for (int b = 0; b < nb; b++)                                                                   \
                s += xd[k * nb + b] * DOT(w + (int64_t)BB * b, xq + k * cols + QKK * b,                    \
                                          bs + k * cols / 16 + 16 * b);                                    \
            out[k] = s;                                                                                    \
        }                                                                                                  \
    }
#endif

/* Row loop of a Q8_K-activation kernel with a one-row kernel for decode (count 1): see Q8K_ROW_DOT */
#define Q8K_MATMUL_ROW1(NAME, TILE_DOT, ROW_DOT)                                                           \
    static Q8K_MATMUL(NAME##_tiles, TILE_DOT)                                                              \
    void NAME(const uint8_t *w, int64_t row_bytes, int cols, int r0, int r1, const int8_t *xq,             \
              const float *xd, const int16_t *bs, int count, float *y, int y_stride) {                     \
        if (count != 1) {                                                                                  \
            NAME##_tiles(w, row_bytes, cols, r0, r1, xq, xd, bs, count, y, y_stride);                      \
            return;                                                                                        \
        }                                                                                                  \
        for (int r = r0; r < r1; r++) y[r] = ROW_DOT(w + (int64_t)r * row_bytes, xq, xd, bs, cols / QKK);  \
    }

/* Q8K_MATMUL_ROW1 where the build has one-row kernels (AVX2 without AVX-512), else Q8K_MATMUL */
#if defined(__AVX2__) && !(defined(__AVX512BW__) && defined(__AVX512VNNI__))
#define Q8K_MATMUL_DECODE(NAME, TILE_DOT, ROW_DOT) Q8K_MATMUL_ROW1(NAME, TILE_DOT, ROW_DOT)
#else
#define Q8K_MATMUL_DECODE(NAME, TILE_DOT, ROW_DOT) Q8K_MATMUL(NAME, TILE_DOT)
#endif

/* Row loop of a Q8_K-activation kernel: each weight row against tiles of up to TILE activation rows */
#define Q8K_MATMUL(NAME, TILE_DOT)                                                                         \
    void NAME(const uint8_t *w, int64_t row_bytes, int cols, int r0, int r1, const int8_t *xq,             \
              const float *xd, const int16_t *bs, int count, float *y, int y_stride) {                     \
        int nb = cols / QKK;                                                                               \
        float out[TILE];                                                                                   \
        for (int r = r0; r < r1; r++) {                                                                    \
            const uint8_t *row = w + (int64_t)r * row_bytes;                                               \
            for (int t = 0; t < count; t += TILE) {                                                        \
                int n = count - t < TILE ? count - t : TILE;                                               \
                TILE_DOT(row, xq + (int64_t)t * cols, xd + (int64_t)t * nb, bs + (int64_t)t * cols / 16,   \
                         nb, cols, n, out);                                                                \
                for (int k = 0; k < n; k++) y[(int64_t)(t + k) * y_stride + r] = out[k];                   \
            }                                                                                              \
        }                                                                                                  \
    }
#endif
