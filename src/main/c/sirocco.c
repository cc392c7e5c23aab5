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
#include "sirocco.h"

#define QK 32
#if defined(__AVX512VBMI__) && defined(__AVX512VNNI__) && defined(__AVX512BW__)
#define SR_ZMM 1
#else
#define SR_ZMM 0
#endif
/* the avx2 build (no VNNI) runs Q4_0 through the pair-tile kernel below */
#if !SR_ZMM && defined(__AVX2__) && !defined(__AVX512VNNI__)
#define SR_Q4_PAIRS 1
#else
#define SR_Q4_PAIRS 0
#endif

/* ---------- features (used by Java to pick a variant) ---------- */
enum { SR_AVX2 = 1, SR_FMA = 2, SR_F16C = 4, SR_AVX512 = 8, SR_VNNI = 16, SR_VBMI = 32 };

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
    if (__builtin_cpu_supports("avx512vbmi")) f |= SR_VBMI;
#endif
    return f;
}

/* the ISA this variant was compiled for, for diagnostics */
const char *sr_variant(void) {
#if SR_ZMM
    return "avx512vbmi";
#elif defined(__AVX512VNNI__) && defined(__AVX512VL__)
    return "avx512vnni";
#elif defined(__AVX2__)
    return "avx2";
#else
    return "generic";
#endif
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
        hsum_tile(acc, n, out);                                                                          \
    }


/*
 * Groups of 8 blocks: the 8 blocks' integer dot products are reduced to one vector (lane i = block i)
 * and scaled with one conversion and one multiply-add, instead of a conversion, a scalar scale product
 * and a multiply-add per block. Remaining blocks (nb not a multiple of 8) go one by one.
 */
static inline __m256i reduce8_i32(const __m256i v[8]) {
    __m256i ab = _mm256_hadd_epi32(_mm256_hadd_epi32(v[0], v[1]), _mm256_hadd_epi32(v[2], v[3]));
    __m256i cd = _mm256_hadd_epi32(_mm256_hadd_epi32(v[4], v[5]), _mm256_hadd_epi32(v[6], v[7]));
    return _mm256_add_epi32(_mm256_permute2x128_si256(ab, cd, 0x20), _mm256_permute2x128_si256(ab, cd, 0x31));
}

/* the fp16 scales at the start of 8 consecutive blocks of bb bytes */
static inline __m256 scales8(const uint8_t *w, int bb) {
    __m128i h = _mm_setr_epi16((short)load_u16(w), (short)load_u16(w + bb), (short)load_u16(w + 2 * bb),
                               (short)load_u16(w + 3 * bb), (short)load_u16(w + 4 * bb), (short)load_u16(w + 5 * bb),
                               (short)load_u16(w + 6 * bb), (short)load_u16(w + 7 * bb));
    return _mm256_cvtph_ps(h);
}

#if !SR_ZMM
static void dot_tile_q8_0(const uint8_t *w, const int8_t *xq, const float *xd, int nb, int64_t cols, int n,
                          float *out) {
    __m256 acc[TILE];
    for (int k = 0; k < TILE; k++) acc[k] = _mm256_setzero_ps();
    int b = 0;
    for (; b + 8 <= nb; b += 8) {
        __m256i wv[8];
        for (int i = 0; i < 8; i++) wv[i] = load_q8_0(w + 34 * (b + i));
        __m256 dw = scales8(w + 34 * b, 34);
        for (int k = 0; k < TILE && k < n; k++) {
            const int8_t *x = xq + k * cols + QK * b;
            __m256i s[8];
            for (int i = 0; i < 8; i++) s[i] = dot32_i8(wv[i], _mm256_loadu_si256((const __m256i *)(x + 32 * i)));
            __m256 d = _mm256_mul_ps(dw, _mm256_loadu_ps(xd + k * nb + b));
            acc[k] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(reduce8_i32(s)), acc[k]);
        }
    }
    for (; b < nb; b++) {
        const uint8_t *blk = w + 34 * b;
        __m256i wv = load_q8_0(blk);
        float dw = fp16_to_f32(load_u16(blk));
        for (int k = 0; k < TILE && k < n; k++) {
            __m256i xv = _mm256_loadu_si256((const __m256i *)(xq + k * cols + QK * b));
            acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(dw * xd[k * nb + b]), _mm256_cvtepi32_ps(dot32_i8(wv, xv)), acc[k]);
        }
    }
    hsum_tile(acc, n, out);
}

#endif

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

#if !SR_ZMM /* zmm.c has the 512-bit Q8_0 and Q4_0 kernels */
static QUANT_MATMUL(matmul_q8_0, dot_tile_q8_0)
void sr_matmul_q8_0(const uint8_t *w, int64_t row_bytes, int cols, int r0, int r1, const int8_t *xq, const float *xd,
                    const int32_t *xs, int count, float *y, int y_stride) {
    (void)xs;
    matmul_q8_0(w, row_bytes, cols, r0, r1, xq, xd, count, y, y_stride);
}
#endif

/* The same driver for kernels that also take per-block activation sums xs (Q4_0: Σx, Q5_1: d_x·Σx). */
#define QUANT_MATMUL_SUMS(NAME, TILE_DOT, XS_T)                                                        \
    void NAME(const uint8_t *w, int64_t row_bytes, int cols, int r0, int r1, const int8_t *xq,         \
              const float *xd, const XS_T *xs, int count, float *y, int y_stride) {                    \
        int nb = cols / QK;                                                                            \
        float out[TILE];                                                                               \
        for (int r = r0; r < r1; r++) {                                                                \
            const uint8_t *row = w + (int64_t)r * row_bytes;                                           \
            for (int t = 0; t < count; t += TILE) {                                                    \
                int n = count - t < TILE ? count - t : TILE;                                           \
                TILE_DOT(row, xq + (int64_t)t * cols, xd + (int64_t)t * nb, xs + (int64_t)t * nb, nb,  \
                         cols, n, out);                                                                \
                for (int k = 0; k < n; k++) y[(int64_t)(t + k) * y_stride + r] = out[k];               \
            }                                                                                          \
        }                                                                                              \
    }

/* ---------- Q5_0 / Q5_1 (blocks of 32, Q8_0 activations) ---------- */
/* byte i = 0xff where bit i of the 32-bit little-endian word at p is set (llama.cpp's bytes_from_bits_32) */
static inline __m256i bits_to_bytes(const uint8_t *p) {
    uint32_t x32;
    memcpy(&x32, p, 4);
    const __m256i shuf = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0);
    __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32((int)x32), shuf);
    bytes = _mm256_or_si256(bytes, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));
    return _mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1));
}

static inline __m256i nibbles32(const uint8_t *qs) {
    __m128i q = _mm_loadu_si128((const __m128i *)qs);
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), _mm256_set1_epi8(0x0f));
}

/* signed values nibble + 16·bit − 16: the missing bit ORs in 0xf0 (= −16) */
static inline __m256i load_q5_0(const uint8_t *blk) {
    return _mm256_or_si256(nibbles32(blk + 6), _mm256_andnot_si256(bits_to_bytes(blk + 2), _mm256_set1_epi8((char)0xf0)));
}

/* unsigned values nibble + 16·bit */
static inline __m256i load_q5_1(const uint8_t *blk) {
    return _mm256_or_si256(nibbles32(blk + 8), _mm256_and_si256(bits_to_bytes(blk + 4), _mm256_set1_epi8(0x10)));
}

DOT_TILE(dot_tile_q5_0, load_q5_0, 22)
QUANT_MATMUL(sr_matmul_q5_0, dot_tile_q5_0)

/* ---------- Q4_0, unsigned: Σ (q−8)·x = Σ q·x − 8·Σ x ----------
 * The nibbles q (0..15) go to the unsigned side of maddubs/vpdpbusd as they are, with no sign trick
 * and no −8; the activation block sums Σx (xs, computed once per activation vector) give the
 * correction, seeded into lane 0 of the integer accumulator. */
static inline __m256i dot32_u8s8_acc(__m256i acc, __m256i wu, __m256i x) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
    return _mm256_dpbusd_epi32(acc, wu, x);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(wu, x), _mm256_set1_epi16(1)));
#endif
}

#if !SR_ZMM && !SR_Q4_PAIRS
static void dot_tile_q4_0(const uint8_t *w, const int8_t *xq, const float *xd, const int32_t *xs, int nb,
                          int64_t cols, int n, float *out) {
    __m256 acc[TILE];
    for (int k = 0; k < TILE; k++) acc[k] = _mm256_setzero_ps();
    int b = 0;
    for (; b + 8 <= nb; b += 8) {
        __m256i q[8];
        for (int i = 0; i < 8; i++) q[i] = nibbles32(w + 18 * (b + i) + 2);
        __m256 dw = scales8(w + 18 * b, 18);
        for (int k = 0; k < TILE && k < n; k++) {
            const int8_t *x = xq + k * cols + QK * b;
            __m256i s[8];
            for (int i = 0; i < 8; i++)
                s[i] = dot32_u8s8_acc(_mm256_setzero_si256(), q[i], _mm256_loadu_si256((const __m256i *)(x + 32 * i)));
            __m256i corr = _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *)(xs + k * nb + b)), 3);
            __m256i isum = _mm256_sub_epi32(reduce8_i32(s), corr);
            __m256 d = _mm256_mul_ps(dw, _mm256_loadu_ps(xd + k * nb + b));
            acc[k] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(isum), acc[k]);
        }
    }
    for (; b < nb; b++) {
        const uint8_t *blk = w + 18 * b;
        __m256i q = nibbles32(blk + 2);
        float dw = fp16_to_f32(load_u16(blk));
        for (int k = 0; k < TILE && k < n; k++) {
            __m256i xv = _mm256_loadu_si256((const __m256i *)(xq + k * cols + QK * b));
            __m256i init = _mm256_zextsi128_si256(_mm_cvtsi32_si128(-8 * xs[k * nb + b]));
            __m256i isum = dot32_u8s8_acc(init, q, xv);
            acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(dw * xd[k * nb + b]), _mm256_cvtepi32_ps(isum), acc[k]);
        }
    }
    hsum_tile(acc, n, out);
}

#endif
#if !SR_ZMM && !SR_Q4_PAIRS
QUANT_MATMUL_SUMS(sr_matmul_q4_0, dot_tile_q4_0, int32_t)
#endif

#if SR_Q4_PAIRS
/*
 * Q4_0 on AVX2 without VNNI: groups of 8 blocks, 4 tokens per unpacked row.
 * Each token's activations are rearranged once per call into pairs of blocks: XL[k] = the first 16 values of
 * blocks 2k and 2k+1, XH[k] = their last 16, so that the row's nibbles need no shuffle (low nibbles of the pair
 * against XL, high against XH). maddubs of both halves add as int16 (at most 4·15·127 per lane), two levels of
 * hadd_epi16 keep within int16 (≤ 16·15·127), one madd widens: one vector holds the 8 blocks' sums in the order
 * 0,2,4,6,1,3,5,7, corrected by 8·Σx and scaled by d_w·d_x with one conversion and one multiply-add.
 * Blocks past the last whole group go one by one, as in dot_tile_q4_0. Every token takes the same path whatever
 * its batch, so its result does not depend on the batch.
 */
#define P4_TT 4
#define P4_GX 320 /* per token per group: 8 × 32 values, 8 int32 corrections, 8 float scales */

static _Thread_local uint8_t *p4_scratch;
static _Thread_local size_t p4_cap;

static const int32_t P4_ORDER[8] = {0, 2, 4, 6, 1, 3, 5, 7};

static void p4_prep(const int8_t *xq, const float *xd, const int32_t *xs, int ng, uint8_t *out) {
    const __m256i order = _mm256_loadu_si256((const __m256i *)P4_ORDER);
    for (int g = 0; g < ng; g++) {
        uint8_t *o = out + (int64_t)g * P4_GX;
        const int8_t *x = xq + 256 * g;
        for (int k = 0; k < 4; k++) {
            __m256i a = _mm256_loadu_si256((const __m256i *)(x + 64 * k));
            __m256i b = _mm256_loadu_si256((const __m256i *)(x + 64 * k + 32));
            _mm256_store_si256((__m256i *)(o + 32 * k), _mm256_permute2x128_si256(a, b, 0x20));
            _mm256_store_si256((__m256i *)(o + 128 + 32 * k), _mm256_permute2x128_si256(a, b, 0x31));
        }
        __m256i s = _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i *)(xs + 8 * g)), order);
        _mm256_store_si256((__m256i *)(o + 256), _mm256_slli_epi32(s, 3));
        _mm256_store_ps((float *)(o + 288), _mm256_permutevar8x32_ps(_mm256_loadu_ps(xd + 8 * g), order));
    }
}

void sr_matmul_q4_0(const uint8_t *w, int64_t row_bytes, int cols, int r0, int r1, const int8_t *xq, const float *xd,
                    const int32_t *xs, int count, float *y, int y_stride) {
    int nb = cols / QK, ng = nb / 8;
    size_t need = (size_t)P4_TT * (ng > 0 ? ng : 1) * P4_GX;
    if (need > p4_cap) {
        free(p4_scratch);
        p4_scratch = aligned_alloc(32, need);
        p4_cap = p4_scratch ? need : 0;
        if (!p4_scratch) abort();
    }
    const __m256i m4 = _mm256_set1_epi8(0x0f), ones = _mm256_set1_epi16(1);
    for (int t0 = 0; t0 < count; t0 += P4_TT) {
        int n = count - t0 < P4_TT ? count - t0 : P4_TT;
        for (int k = 0; k < n; k++) {
            int64_t t = t0 + k;
            p4_prep(xq + t * cols, xd + t * nb, xs + t * nb, ng, p4_scratch + (int64_t)k * ng * P4_GX);
        }
        for (int r = r0; r < r1; r++) {
            const uint8_t *row = w + (int64_t)r * row_bytes;
            __m256 acc[P4_TT];
            for (int k = 0; k < P4_TT; k++) acc[k] = _mm256_setzero_ps();
            for (int g = 0; g < ng; g++) {
                const uint8_t *blk = row + 18 * 8 * g;
                __m256i lo[4], hi[4];
                for (int k = 0; k < 4; k++) {
                    __m256i q = _mm256_inserti128_si256(
                        _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(blk + 36 * k + 2))),
                        _mm_loadu_si128((const __m128i *)(blk + 36 * k + 20)), 1);
                    lo[k] = _mm256_and_si256(q, m4);
                    hi[k] = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
                }
                __m128i h = _mm_setr_epi16((short)load_u16(blk), (short)load_u16(blk + 36), (short)load_u16(blk + 72),
                                           (short)load_u16(blk + 108), (short)load_u16(blk + 18), (short)load_u16(blk + 54),
                                           (short)load_u16(blk + 90), (short)load_u16(blk + 126));
                __m256 dw = _mm256_cvtph_ps(h); /* order 0,2,4,6,1,3,5,7 */
                for (int k = 0; k < P4_TT && k < n; k++) {
                    const uint8_t *x = p4_scratch + ((int64_t)k * ng + g) * P4_GX;
                    __m256i p[4];
                    for (int j = 0; j < 4; j++)
                        p[j] = _mm256_add_epi16(_mm256_maddubs_epi16(lo[j], _mm256_load_si256((const __m256i *)(x + 32 * j))),
                                                _mm256_maddubs_epi16(hi[j], _mm256_load_si256((const __m256i *)(x + 128 + 32 * j))));
                    __m256i s = _mm256_madd_epi16(_mm256_hadd_epi16(_mm256_hadd_epi16(p[0], p[1]), _mm256_hadd_epi16(p[2], p[3])), ones);
                    s = _mm256_sub_epi32(s, _mm256_load_si256((const __m256i *)(x + 256)));
                    acc[k] = _mm256_fmadd_ps(_mm256_mul_ps(dw, _mm256_load_ps((const float *)(x + 288))), _mm256_cvtepi32_ps(s), acc[k]);
                }
            }
            for (int b = 8 * ng; b < nb; b++) { /* the blocks after the last whole group */
                const uint8_t *blk = row + 18 * b;
                __m256i q = nibbles32(blk + 2);
                float dw = fp16_to_f32(load_u16(blk));
                for (int k = 0; k < P4_TT && k < n; k++) {
                    int64_t t = t0 + k;
                    __m256i xv = _mm256_loadu_si256((const __m256i *)(xq + t * cols + QK * b));
                    __m256i init = _mm256_zextsi128_si256(_mm_cvtsi32_si128(-8 * xs[t * nb + b]));
                    __m256i isum = dot32_u8s8_acc(init, q, xv);
                    acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(dw * xd[t * nb + b]), _mm256_cvtepi32_ps(isum), acc[k]);
                }
            }
            for (int k = 0; k < n; k++) y[(int64_t)(t0 + k) * y_stride + r] = hsum(acc[k]);
        }
    }
}
#endif

/* 8 int32 lanes of unsigned × signed byte products (lane i sums bytes 4i..4i+3) */
static inline __m256i dot32_u8s8(__m256i wu, __m256i x) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), wu, x);
#else
    return _mm256_madd_epi16(_mm256_maddubs_epi16(wu, x), _mm256_set1_epi16(1));
#endif
}

/* Q5_1: d_w·d_x·Σ q_w·q_x + m_w·(d_x·Σ q_x); xs holds d_x·Σ q_x per block */
static void dot_tile_q5_1(const uint8_t *w, const int8_t *xq, const float *xd, const float *xs, int nb, int64_t cols,
                          int n, float *out) {
    __m256 acc[TILE];
    float off[TILE];
    for (int k = 0; k < TILE; k++) { acc[k] = _mm256_setzero_ps(); off[k] = 0.f; }
    for (int b = 0; b < nb; b++) {
        const uint8_t *blk = w + 24 * b;
        __m256i wv = load_q5_1(blk);
        float dw = fp16_to_f32(load_u16(blk)), mw = fp16_to_f32(load_u16(blk + 2));
        for (int k = 0; k < TILE && k < n; k++) {
            __m256i xv = _mm256_loadu_si256((const __m256i *)(xq + k * cols + QK * b));
            acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(dw * xd[k * nb + b]), _mm256_cvtepi32_ps(dot32_u8s8(wv, xv)), acc[k]);
            off[k] += mw * xs[k * nb + b];
        }
    }
    for (int k = 0; k < n; k++) out[k] = hsum(acc[k]) + off[k];
}

QUANT_MATMUL_SUMS(sr_matmul_q5_1, dot_tile_q5_1, float)

/* ---------- K-quants (super-blocks of 256, Q8_K activations) ----------
 * A super-block unpacks to 8 vectors W[j] of 32 unsigned values (elements 32j..32j+31), int16 scales
 * S[j] per pair of bytes (lanes 0-7 cover elements 32j..32j+15, lanes 8-15 the next 16), and 16 int16
 * "min" factors M per 16-value group, so that the block's contribution is
 *   d_x · (da · Σ_j Σ_lanes S[j]·(W[j]·X[j]) − db · Σ_g M[g]·bsum_x[g]).
 * maddubs gives int16 pair sums (at most 2·63·127, no saturation) and madd by S sums and scales them. */
static inline void unpack_q4_K(const uint8_t *blk, __m256i W[8], __m256i S[8], __m256i *M, float *da, float *db) {
    *da = fp16_to_f32(load_u16(blk));
    *db = fp16_to_f32(load_u16(blk + 2));
    uint32_t u[4];
    k4_unpack_scales_mins(blk + 4, u);
    const uint8_t *sc = (const uint8_t *)u;
    for (int j = 0; j < 8; j++) S[j] = _mm256_set1_epi16(sc[j]);
    __m128i m = _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)(sc + 8)));
    *M = _mm256_set_m128i(_mm_unpackhi_epi16(m, m), _mm_unpacklo_epi16(m, m));
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    for (int k = 0; k < 4; k++) {
        __m256i b = _mm256_loadu_si256((const __m256i *)(blk + 16 + 32 * k));
        W[2 * k] = _mm256_and_si256(b, m4);
        W[2 * k + 1] = _mm256_and_si256(_mm256_srli_epi16(b, 4), m4);
    }
}

/* Q6_K stores q + 32 (0..63): the −32 goes into M = 32·sc per group */
static inline void unpack_q6_K(const uint8_t *blk, __m256i W[8], __m256i S[8], __m256i *M, float *da, float *db) {
    const int8_t *sc = (const int8_t *)(blk + 192);
    *da = *db = fp16_to_f32(load_u16(blk + 208));
    __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)sc));
    *M = _mm256_slli_epi16(sc16, 5);
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    for (int h = 0; h < 2; h++) {
        __m256i ql0 = _mm256_loadu_si256((const __m256i *)(blk + 64 * h));
        __m256i ql1 = _mm256_loadu_si256((const __m256i *)(blk + 64 * h + 32));
        __m256i qh = _mm256_loadu_si256((const __m256i *)(blk + 128 + 32 * h));
        W[4 * h] = _mm256_or_si256(_mm256_and_si256(ql0, m4), _mm256_slli_epi16(_mm256_and_si256(qh, _mm256_set1_epi8(0x03)), 4));
        W[4 * h + 1] = _mm256_or_si256(_mm256_and_si256(ql1, m4), _mm256_slli_epi16(_mm256_and_si256(qh, _mm256_set1_epi8(0x0c)), 2));
        W[4 * h + 2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4), _mm256_and_si256(qh, _mm256_set1_epi8(0x30)));
        W[4 * h + 3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4),
                                       _mm256_and_si256(_mm256_srli_epi16(qh, 2), _mm256_set1_epi8(0x30)));
    }
    for (int j = 0; j < 8; j++) S[j] = _mm256_set_m128i(_mm_set1_epi16(sc[2 * j + 1]), _mm_set1_epi16(sc[2 * j]));
}

#if defined(__AVX512BW__) && defined(__AVX512VNNI__)
/*
 * AVX-512 builds: the chunk pairs straight from the block. The scales become int16 lanes with one vpermw
 * per pair (instead of eight broadcasts); Q4_K's 32 packed bytes of chunks 2k, 2k+1 are broadcast to both
 * halves and shifted by 0 / 4 (vpsrlvw); Q6_K's ql and qh of chunks 2k, 2k+1 are 64 contiguous bytes and
 * one qh vector shifted by 0 / 2. Same W, S and M as unpack_q4_K / unpack_q6_K above.
 */
static inline void unpack2_q4_K(const uint8_t *blk, __m512i W2[4], __m512i S2[4], __m256i *M, float *da, float *db) {
    *da = fp16_to_f32(load_u16(blk));
    *db = fp16_to_f32(load_u16(blk + 2));
    k4_scales_mins(blk + 4, S2, M);
    const __m512i m4 = _mm512_set1_epi8(0x0f), shift = _mm512_loadu_si512(HALF_SHIFT4);
    for (int k = 0; k < 4; k++) {
        __m512i b = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(blk + 16 + 32 * k)));
        W2[k] = _mm512_and_si512(_mm512_srlv_epi16(b, shift), m4);
    }
}

static inline void unpack2_q6_K(const uint8_t *blk, __m512i W2[4], __m512i S2[4], __m256i *M, float *da, float *db) {
    *da = *db = fp16_to_f32(load_u16(blk + 208));
    __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(blk + 192)));
    *M = _mm256_slli_epi16(sc16, 5);
    for (int i = 0; i < 4; i++)
        S2[i] = _mm512_permutexvar_epi16(_mm512_loadu_si512(Q6K_SCALE_IDX[i]), _mm512_castsi256_si512(sc16));
    const __m512i m4 = _mm512_set1_epi8(0x0f), m3 = _mm512_set1_epi8(0x03), m30 = _mm512_set1_epi8(0x30);
    for (int h = 0; h < 2; h++) {
        __m512i ql = _mm512_loadu_si512(blk + 64 * h);
        __m256i qh = _mm256_loadu_si256((const __m256i *)(blk + 128 + 32 * h));
        __m512i qh2 = join256(qh, _mm256_srli_epi16(qh, 2));
        W2[2 * h] = _mm512_or_si512(_mm512_and_si512(ql, m4), _mm512_slli_epi16(_mm512_and_si512(qh2, m3), 4));
        W2[2 * h + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), m4), _mm512_and_si512(qh2, m30));
    }
}

Q8K_TILE_DOT512(dot_tile_q4_K, unpack2_q4_K, pairs_u8s8, 144, 1)
Q8K_TILE_DOT512(dot_tile_q6_K, unpack2_q6_K, pairs_u8s8, 210, 1)
#else
Q8K_TILE_DOT(dot_tile_q4_K, unpack_q4_K, pairs_u8s8, 144, 1)
Q8K_TILE_DOT(dot_tile_q6_K, unpack_q6_K, pairs_u8s8, 210, 1)

/* Q4_K, one activation row: S[j] and M as unpack_q4_K's, by shuffles of the 16 scale/min bytes */
static inline __m256i row_block_q4_K(const uint8_t *blk, const int8_t *x, __m256i *M, float *da, float *db) {
    *da = fp16_to_f32(load_u16(blk));
    *db = fp16_to_f32(load_u16(blk + 2));
    __m256i sm2 = k4_scales_mins_row(blk + 4, M);
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    __m256i isum = _mm256_setzero_si256();
    for (int k = 0; k < 4; k++) {
        __m256i b = _mm256_loadu_si256((const __m256i *)(blk + 16 + 32 * k));
        __m256i s0 = k4_scale(sm2, 2 * k), s1 = k4_scale(sm2, 2 * k + 1);
        __m256i p0 = _mm256_maddubs_epi16(_mm256_and_si256(b, m4), _mm256_loadu_si256((const __m256i *)(x + 64 * k)));
        __m256i p1 = _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(b, 4), m4),
                                          _mm256_loadu_si256((const __m256i *)(x + 64 * k + 32)));
        isum = _mm256_add_epi32(isum, _mm256_add_epi32(_mm256_madd_epi16(p0, s0), _mm256_madd_epi16(p1, s1)));
    }
    return isum;
}

/* Q6_K, one activation row: the int8 scales widened once, S[j] by a word shuffle of one half */
static inline __m256i row_block_q6_K(const uint8_t *blk, const int8_t *x, __m256i *M, float *da, float *db) {
    *da = *db = fp16_to_f32(load_u16(blk + 208));
    __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(blk + 192)));
    *M = _mm256_slli_epi16(sc16, 5);
    const __m256i m4 = _mm256_set1_epi8(0x0f), m3 = _mm256_set1_epi8(0x03), m30 = _mm256_set1_epi8(0x30);
    __m256i isum = _mm256_setzero_si256();
    for (int h = 0; h < 2; h++) {
        /* scales 8h..8h+7 in both halves; chunk 4h+i takes 8h+2i (low half) and 8h+2i+1 (high half) */
        __m256i sh = _mm256_permute4x64_epi64(sc16, h ? 0xee : 0x44);
        __m256i ql0 = _mm256_loadu_si256((const __m256i *)(blk + 64 * h));
        __m256i ql1 = _mm256_loadu_si256((const __m256i *)(blk + 64 * h + 32));
        __m256i qh = _mm256_loadu_si256((const __m256i *)(blk + 128 + 32 * h));
        __m256i w[4];
        w[0] = _mm256_or_si256(_mm256_and_si256(ql0, m4), _mm256_slli_epi16(_mm256_and_si256(qh, m3), 4));
        w[1] = _mm256_or_si256(_mm256_and_si256(ql1, m4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), m30));
        w[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4), _mm256_and_si256(qh, m30));
        w[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4),
                               _mm256_and_si256(_mm256_srli_epi16(qh, 2), m30));
        for (int i = 0; i < 4; i++) {
            __m256i s = _mm256_shuffle_epi8(sh, _mm256_setr_epi8(4 * i, 4 * i + 1, 4 * i, 4 * i + 1, 4 * i, 4 * i + 1,
                4 * i, 4 * i + 1, 4 * i, 4 * i + 1, 4 * i, 4 * i + 1, 4 * i, 4 * i + 1, 4 * i, 4 * i + 1,
                4 * i + 2, 4 * i + 3, 4 * i + 2, 4 * i + 3, 4 * i + 2, 4 * i + 3, 4 * i + 2, 4 * i + 3,
                4 * i + 2, 4 * i + 3, 4 * i + 2, 4 * i + 3, 4 * i + 2, 4 * i + 3, 4 * i + 2, 4 * i + 3));
            __m256i p = _mm256_maddubs_epi16(w[i], _mm256_loadu_si256((const __m256i *)(x + 128 * h + 32 * i)));
            isum = _mm256_add_epi32(isum, _mm256_madd_epi16(p, s));
        }
    }
    return isum;
}

Q8K_ROW_DOT(row_dot_q4_K, row_block_q4_K, 144, 1)
Q8K_ROW_DOT(row_dot_q6_K, row_block_q6_K, 210, 1)
#endif
Q8K_MATMUL_DECODE(sr_matmul_q4_K, dot_tile_q4_K, row_dot_q4_K)
Q8K_MATMUL_DECODE(sr_matmul_q6_K, dot_tile_q6_K, row_dot_q6_K)
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

static QUANT_MATMUL(matmul_q8_0, dot_q8_0)
void sr_matmul_q8_0(const uint8_t *w, int64_t row_bytes, int cols, int r0, int r1, const int8_t *xq, const float *xd,
                    const int32_t *xs, int count, float *y, int y_stride) {
    (void)xs;
    matmul_q8_0(w, row_bytes, cols, r0, r1, xq, xd, count, y, y_stride);
}
void sr_matmul_q4_0(const uint8_t *w, int64_t row_bytes, int cols, int r0, int r1, const int8_t *xq, const float *xd,
                    const int32_t *xs, int count, float *y, int y_stride) {
    (void)xs;
    int nb = cols / QK;
    for (int r = r0; r < r1; r++)
        for (int t = 0; t < count; t++)
            y[(int64_t)t * y_stride + r] = dot_q4_0(w + (int64_t)r * row_bytes, xq + (int64_t)t * cols, xd + (int64_t)t * nb, nb);
}

/* Q5_0 / Q5_1: value j = nibble | bit j of qh << 4; Q5_0 subtracts 16, Q5_1 adds m·(d_x·Σq_x) */
static float dot_q5(const uint8_t *w, const int8_t *xq, const float *xd, const float *xs, int nb, int offset) {
    float s = 0.f;
    int bb = offset ? 24 : 22, bias = offset ? 0 : 16;
    for (int b = 0; b < nb; b++) {
        const uint8_t *blk = w + bb * b;
        const uint8_t *qhp = blk + (offset ? 4 : 2);
        uint32_t qh = load_u32(qhp);
        const uint8_t *qs = qhp + 4;
        int isum = 0;
        for (int j = 0; j < 16; j++) {
            isum += ((int)((qs[j] & 15) | (((qh >> j) & 1) << 4)) - bias) * xq[QK * b + j];
            isum += ((int)((qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4)) - bias) * xq[QK * b + j + 16];
        }
        s += fp16_to_f32(load_u16(blk)) * xd[b] * (float)isum;
        if (offset) s += fp16_to_f32(load_u16(blk + 2)) * xs[b];
    }
    return s;
}

static float dot_q5_0(const uint8_t *w, const int8_t *xq, const float *xd, int nb) { return dot_q5(w, xq, xd, 0, nb, 0); }
QUANT_MATMUL(sr_matmul_q5_0, dot_q5_0)

void sr_matmul_q5_1(const uint8_t *w, int64_t row_bytes, int cols, int r0, int r1, const int8_t *xq, const float *xd,
                    const float *xs, int count, float *y, int y_stride) {
    int nb = cols / QK;
    for (int r = r0; r < r1; r++)
        for (int t = 0; t < count; t++)
            y[(int64_t)t * y_stride + r] = dot_q5(w + (int64_t)r * row_bytes, xq + (int64_t)t * cols,
                                                  xd + (int64_t)t * nb, xs + (int64_t)t * nb, nb, 1);
}

static float dot_q4_K(const uint8_t *w, const int8_t *xq, const float *xd, const int16_t *bs, int nb) {
    float s = 0.f;
    for (int b = 0; b < nb; b++) {
        const uint8_t *blk = w + 144 * b, *q = blk + 4;
        const int8_t *x = xq + 256 * b;
        int isum = 0, msum = 0;
        for (int j = 0; j < 8; j++) {
            int sc, m;
            if (j < 4) { sc = q[j] & 63; m = q[j + 4] & 63; }
            else { sc = (q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4); m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4); }
            const uint8_t *qs = blk + 16 + 32 * (j / 2);
            int shift = (j & 1) * 4, sub = 0;
            for (int k = 0; k < 32; k++) sub += ((qs[k] >> shift) & 15) * x[32 * j + k];
            isum += sc * sub;
            msum += m * (bs[16 * b + 2 * j] + bs[16 * b + 2 * j + 1]);
        }
        s += xd[b] * (fp16_to_f32(load_u16(blk)) * (float)isum - fp16_to_f32(load_u16(blk + 2)) * (float)msum);
    }
    return s;
}

static float dot_q6_K(const uint8_t *w, const int8_t *xq, const float *xd, const int16_t *bs, int nb) {
    (void)bs;
    float s = 0.f;
    for (int b = 0; b < nb; b++) {
        const uint8_t *blk = w + 210 * b;
        const int8_t *sc = (const int8_t *)(blk + 192), *x = xq + 256 * b;
        int g[16] = {0};
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = blk + 64 * h, *qh = blk + 128 + 32 * h;
            const int8_t *xh = x + 128 * h;
            for (int l = 0; l < 32; l++) {
                int q1 = ((ql[l] & 15) | ((qh[l] & 3) << 4)) - 32;
                int q2 = ((ql[l + 32] & 15) | (((qh[l] >> 2) & 3) << 4)) - 32;
                int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                int gi = 8 * h + l / 16;
                g[gi] += q1 * xh[l];
                g[gi + 2] += q2 * xh[l + 32];
                g[gi + 4] += q3 * xh[l + 64];
                g[gi + 6] += q4 * xh[l + 96];
            }
        }
        int isum = 0;
        for (int i = 0; i < 16; i++) isum += sc[i] * g[i];
        s += xd[b] * fp16_to_f32(load_u16(blk + 208)) * (float)isum;
    }
    return s;
}

#define KQ_MATMUL(NAME, DOT)                                                                               \
    void NAME(const uint8_t *w, int64_t row_bytes, int cols, int r0, int r1, const int8_t *xq,             \
              const float *xd, const int16_t *bs, int count, float *y, int y_stride) {                     \
        int nb = cols / 256;                                                                               \
        for (int r = r0; r < r1; r++)                                                                      \
            for (int t = 0; t < count; t++)                                                                \
                y[(int64_t)t * y_stride + r] = DOT(w + (int64_t)r * row_bytes, xq + (int64_t)t * cols,     \
                                                   xd + (int64_t)t * nb, bs + (int64_t)t * cols / 16, nb); \
    }

KQ_MATMUL(sr_matmul_q4_K, dot_q4_K)
KQ_MATMUL(sr_matmul_q6_K, dot_q6_K)
#endif



/* ---------- STREAM-like triad (bench: this machine's memory bandwidth) ----------
 * a[i] = b[i] + s·c[i] over doubles: 24 bytes of traffic per element (STREAM's count, write-allocate
 * not counted). The bench calls it from 1 or 2 threads on disjoint chunks of arrays far larger than
 * the caches and keeps the best of several passes. */
void sr_triad(double *a, const double *b, const double *c, int64_t n, double s) {
    for (int64_t i = 0; i < n; i++) a[i] = b[i] + s * c[i];
}

/* first touch of a chunk (so pages land where the measuring thread runs) */
void sr_fill(double *a, int64_t n, double v) {
    for (int64_t i = 0; i < n; i++) a[i] = v;
}
