/*
 * libsirocco: the engine's native matrix kernels, called from Java through FFM (NativeKernels).
 * The same file is compiled once per ISA target (build.sh); Java asks the generic build for the
 * CPU's features (sr_features) and loads the best variant.
 *
 * Contract (see Kernels.java): for rows r in [r0, r1) and activation vectors t in [0, count):
 *   y[t*y_stride + r] = sum_c W[r, c] * x_t[c]
 * F32/F16/BF16 weights use float activations; Q8_0/Q4_0 weights use Q8_0 activations
 * (int8 values xq, one float scale xd per 32 values) with exact integer block sums.
 */
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#define QK 32

/* ---------- features (used by Java to pick a variant) ---------- */
enum { SR_AVX2 = 1, SR_FMA = 2, SR_F16C = 4, SR_AVX512 = 8, SR_VNNI = 16 };

int sr_features(void) {
    int f = 0;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) f |= SR_AVX2;
    if (__builtin_cpu_supports("fma")) f |= SR_FMA;
    if (__builtin_cpu_supports("f16c")) f |= SR_F16C;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
        f |= SR_AVX512;
    if (__builtin_cpu_supports("avx512vnni")) f |= SR_VNNI;
#endif
    return f;
}

/* the ISA this variant was compiled for, for diagnostics */
const char *sr_variant(void) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
    return "avx512vnni";
#elif defined(__AVX2__)
    return "avx2";
#else
    return "generic";
#endif
}

/* ---------- scalar helpers ---------- */
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

/* ---------- float weights ---------- */
static float dot_f32(const float *w, const float *x, int n) {
    float s = 0.f;
    for (int i = 0; i < n; i++) s += w[i] * x[i];
    return s;
}

static float dot_f16(const uint16_t *w, const float *x, int n) {
    float s = 0.f;
    for (int i = 0; i < n; i++) s += fp16_to_f32(w[i]) * x[i];
    return s;
}

static float dot_bf16(const uint16_t *w, const float *x, int n) {
    float s = 0.f;
    for (int i = 0; i < n; i++) s += bf16_to_f32(w[i]) * x[i];
    return s;
}

#define FLOAT_MATMUL(NAME, WT, DOT)                                                                   \
    void NAME(const uint8_t *w, int64_t row_bytes, int cols, int r0, int r1, const float *x, int count, \
              float *y, int y_stride) {                                                               \
        for (int r = r0; r < r1; r++) {                                                               \
            const WT *row = (const WT *)(w + (int64_t)r * row_bytes);                                 \
            for (int t = 0; t < count; t++) y[(int64_t)t * y_stride + r] = DOT(row, x + (int64_t)t * cols, cols); \
        }                                                                                             \
    }

FLOAT_MATMUL(sr_matmul_f32, float, dot_f32)
FLOAT_MATMUL(sr_matmul_f16, uint16_t, dot_f16)
FLOAT_MATMUL(sr_matmul_bf16, uint16_t, dot_bf16)

/* ---------- int8 block dot products ---------- */
#if defined(__AVX2__)
/* sum of 8 int32 lanes * scale accumulated: llama.cpp's sign trick makes maddubs signed x signed */
static inline __m256i dot32_i8(__m256i w, __m256i x) {
    __m256i ax = _mm256_sign_epi8(x, x);
    __m256i sw = _mm256_sign_epi8(w, x);
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), ax, sw);
#else
    __m256i p16 = _mm256_maddubs_epi16(ax, sw);
    return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
#endif
}

static inline float hsum(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
    return _mm_cvtss_f32(lo);
}

/* one weight block as 32 signed bytes */
static inline __m256i load_q8_0(const uint8_t *blk) {
    return _mm256_loadu_si256((const __m256i *)(blk + 2));
}

static inline __m256i load_q4_0(const uint8_t *blk) {
    __m128i qs = _mm_loadu_si128((const __m128i *)(blk + 2));
    __m256i wv = _mm256_set_m128i(_mm_srli_epi16(qs, 4), qs); /* high nibbles are elements 16..31 */
    return _mm256_sub_epi8(_mm256_and_si256(wv, _mm256_set1_epi8(0x0f)), _mm256_set1_epi8(8));
}

/*
 * TILE activation vectors (tokens) against one weight row: each weight block is loaded and unpacked
 * once and used for all of them (prefill and batched decode reuse it from registers).
 */
#define TILE 4
#define DOT_TILE(NAME, LOAD, BB)                                                                         \
    static void NAME(const uint8_t *w, const int8_t *xq, const float *xd, int nb, int64_t cols, int n,   \
                     float *out) {                                                                       \
        __m256 acc[TILE];                                                                                \
        for (int k = 0; k < TILE; k++) acc[k] = _mm256_setzero_ps();                                     \
        for (int b = 0; b < nb; b++) {                                                                   \
            const uint8_t *blk = w + BB * b;                                                             \
            __m256i wv = LOAD(blk);                                                                      \
            float dw = fp16_to_f32(load_u16(blk));                                                       \
            for (int k = 0; k < TILE && k < n; k++) { /* constant bound: unrolled, acc stays in registers */ \
                __m256i xv = _mm256_loadu_si256((const __m256i *)(xq + k * cols + QK * b));              \
                __m256 d = _mm256_set1_ps(dw * xd[k * nb + b]);                                          \
                acc[k] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(dot32_i8(wv, xv)), acc[k]);               \
            }                                                                                            \
        }                                                                                                \
        for (int k = 0; k < n; k++) out[k] = hsum(acc[k]);                                               \
    }

DOT_TILE(dot_tile_q8_0, load_q8_0, 34)
DOT_TILE(dot_tile_q4_0, load_q4_0, 18)

#define QUANT_MATMUL(NAME, TILE_DOT)                                                                   \
    void NAME(const uint8_t *w, int64_t row_bytes, int cols, int r0, int r1, const int8_t *xq,         \
              const float *xd, int count, float *y, int y_stride) {                                    \
        int nb = cols / QK;                                                                            \
        float out[TILE];                                                                               \
        for (int r = r0; r < r1; r++) {                                                                \
            const uint8_t *row = w + (int64_t)r * row_bytes;                                           \
            for (int t = 0; t < count; t += TILE) {                                                    \
                int n = count - t < TILE ? count - t : TILE;                                           \
                TILE_DOT(row, xq + (int64_t)t * cols, xd + (int64_t)t * nb, nb, cols, n, out);         \
                for (int k = 0; k < n; k++) y[(int64_t)(t + k) * y_stride + r] = out[k];               \
            }                                                                                          \
        }                                                                                              \
    }

QUANT_MATMUL(sr_matmul_q8_0, dot_tile_q8_0)
QUANT_MATMUL(sr_matmul_q4_0, dot_tile_q4_0)
#else
static float dot_q8_0(const uint8_t *w, const int8_t *xq, const float *xd, int nb) {
    float s = 0.f;
    for (int b = 0; b < nb; b++) {
        const uint8_t *blk = w + 34 * b;
        const int8_t *q = (const int8_t *)(blk + 2);
        int isum = 0;
        for (int j = 0; j < QK; j++) isum += q[j] * xq[QK * b + j];
        s += fp16_to_f32(load_u16(blk)) * xd[b] * (float)isum;
    }
    return s;
}

static float dot_q4_0(const uint8_t *w, const int8_t *xq, const float *xd, int nb) {
    float s = 0.f;
    for (int b = 0; b < nb; b++) {
        const uint8_t *blk = w + 18 * b;
        int isum = 0;
        for (int j = 0; j < QK / 2; j++) {
            isum += ((blk[2 + j] & 15) - 8) * xq[QK * b + j];
            isum += ((blk[2 + j] >> 4) - 8) * xq[QK * b + j + 16];
        }
        s += fp16_to_f32(load_u16(blk)) * xd[b] * (float)isum;
    }
    return s;
}

#define QUANT_MATMUL(NAME, DOT)                                                                        \
    void NAME(const uint8_t *w, int64_t row_bytes, int cols, int r0, int r1, const int8_t *xq,         \
              const float *xd, int count, float *y, int y_stride) {                                    \
        int nb = cols / QK;                                                                            \
        for (int r = r0; r < r1; r++) {                                                                \
            const uint8_t *row = w + (int64_t)r * row_bytes;                                           \
            for (int t = 0; t < count; t++)                                                            \
                y[(int64_t)t * y_stride + r] = DOT(row, xq + (int64_t)t * cols, xd + (int64_t)t * nb, nb); \
        }                                                                                              \
    }

QUANT_MATMUL(sr_matmul_q8_0, dot_q8_0)
QUANT_MATMUL(sr_matmul_q4_0, dot_q4_0)
#endif


