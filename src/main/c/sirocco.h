/*
 * libsirocco's shared helpers: fp16/bf16 conversion, little-endian loads, the horizontal sum, and the
 * tile/row-loop skeleton of the kernels with Q8_K activations. Included by every .c file of the library
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
                float dx = xd[k * nb + b];                                                                 \
                acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(da * dx), _mm256_cvtepi32_ps(isum), acc[k]);       \
                if (HAS_M) {                                                                               \
                    __m256i bsv = _mm256_loadu_si256((const __m256i *)(bs + k * cols / 16 + 16 * b));      \
                    acc[k] = _mm256_fnmadd_ps(_mm256_set1_ps(db * dx),                                     \
                                              _mm256_cvtepi32_ps(_mm256_madd_epi16(bsv, M)), acc[k]);      \
                }                                                                                          \
            }                                                                                              \
        }                                                                                                  \
        for (int k = 0; k < n; k++) out[k] = hsum(acc[k]);                                                 \
    }
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
