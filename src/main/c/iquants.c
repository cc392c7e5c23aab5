/*
 * libsirocco, third part: the grid i-quants IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S and IQ1_M with
 * Q8_K activations (layouts: IQuantBlocks.java). Compiled into the same library as sirocco.c, once per
 * ISA target (build.sh); the contract is Kernels.java's.
 *
 * Every block becomes 256 small signed values, 16 scales (one per 16 values) and one float factor:
 * element e = factor · scale[e/16] · value[e]. IQ2/IQ3 values are lattice points (8 values per IQ2
 * point, 4 per IQ3 point) with signs; IQ1 values are 8·point + delta (points −1/0/1, delta ±1: the
 * format's point ± 1/8, times 8). The block's dot product with Q8_K activations is then an exact
 * integer sum times factor·d_x, as in sirocco.h's Q8K_TILE_DOT with signed values and no offsets.
 */
#include "sirocco.h"
#include "iquants_grids.h"

/* the eight signs of a 7-bit field: the eighth makes the count of minus signs even */
static inline uint32_t signs7(uint32_t field) {
    return field | (uint32_t)(__builtin_popcount(field) & 1) << 7;
}

/* four 7-bit sign fields (bits 0..27) as four sign bytes */
static inline uint32_t signs7x4(uint32_t aux) {
    return signs7(aux & 127) | signs7((aux >> 7) & 127) << 8 | signs7((aux >> 14) & 127) << 16
           | signs7((aux >> 21) & 127) << 24;
}

/* 8 IQ3 values: two 4-value points */
static inline uint64_t iq3_pair(const uint32_t *grid, int i1, int i2) {
    return (uint64_t)grid[i1] | (uint64_t)grid[i2] << 32;
}

/* IQ1_M's fp16 d from the top nibbles of its four u16 scale words */
static inline float iq1m_d(const uint8_t *blk) {
    const uint8_t *sc = blk + 48;
    uint16_t h = (load_u16(sc) >> 12) | ((load_u16(sc + 2) >> 8) & 0x00f0) | ((load_u16(sc + 4) >> 4) & 0x0f00)
                 | (load_u16(sc + 6) & 0xf000);
    return fp16_to_f32(h);
}

/*
 * The block's 32 unsigned lattice words (8 bytes each, values in bytes, sign bytes apart), its sign
 * bytes (IQ1: delta bytes), its 16 scales and factor: the part of unpacking shared by both paths.
 */
typedef struct {
    uint64_t g[32];   /* 8 values per word */
    uint8_t s[32];    /* IQ2/IQ3: bit j negates value j; IQ1: 1 = delta −1 */
    int8_t sc[16];
    float f;
    int delta;        /* 1 for IQ1 (values 8·g + delta) */
} iq_block;

static inline void iq2_xxs_read(const uint8_t *blk, iq_block *b) {
    b->f = fp16_to_f32(load_u16(blk)) * 0.125f;
    b->delta = 0;
    for (int ib = 0; ib < 8; ib++) {
        const uint8_t *q = blk + 2 + 8 * ib;
        uint32_t aux1 = load_u32(q + 4), s = signs7x4(aux1);
        for (int l = 0; l < 4; l++) {
            b->g[4 * ib + l] = grid_iq2xxs[q[l]];
            b->s[4 * ib + l] = (uint8_t)(s >> (8 * l));
        }
        b->sc[2 * ib] = b->sc[2 * ib + 1] = (int8_t)(2 * (aux1 >> 28) + 1);
    }
}

static inline void iq2_xs_read(const uint8_t *blk, iq_block *b) {
    b->f = fp16_to_f32(load_u16(blk)) * 0.125f;
    b->delta = 0;
    for (int p = 0; p < 32; p++) {
        uint16_t q = load_u16(blk + 2 + 2 * p);
        b->g[p] = grid_iq2xs[q & 511];
        b->s[p] = (uint8_t)signs7(q >> 9);
    }
    for (int ib = 0; ib < 8; ib++) {
        b->sc[2 * ib] = (int8_t)(2 * (blk[66 + ib] & 15) + 1);
        b->sc[2 * ib + 1] = (int8_t)(2 * (blk[66 + ib] >> 4) + 1);
    }
}

static inline void iq2_s_read(const uint8_t *blk, iq_block *b) {
    b->f = fp16_to_f32(load_u16(blk)) * 0.125f;
    b->delta = 0;
    for (int p = 0; p < 32; p++) {
        b->g[p] = grid_iq2s[blk[2 + p] | ((blk[66 + p / 4] << (8 - 2 * (p % 4))) & 0x300)];
        b->s[p] = blk[34 + p];
    }
    for (int ib = 0; ib < 8; ib++) {
        b->sc[2 * ib] = (int8_t)(2 * (blk[74 + ib] & 15) + 1);
        b->sc[2 * ib + 1] = (int8_t)(2 * (blk[74 + ib] >> 4) + 1);
    }
}

static inline void iq3_xxs_read(const uint8_t *blk, iq_block *b) {
    b->f = fp16_to_f32(load_u16(blk)) * 0.25f;
    b->delta = 0;
    for (int ib = 0; ib < 8; ib++) {
        uint32_t aux = load_u32(blk + 66 + 4 * ib), s = signs7x4(aux);
        const uint8_t *q = blk + 2 + 8 * ib;
        for (int l = 0; l < 4; l++) {
            b->g[4 * ib + l] = iq3_pair(grid_iq3xxs, q[2 * l], q[2 * l + 1]);
            b->s[4 * ib + l] = (uint8_t)(s >> (8 * l));
        }
        b->sc[2 * ib] = b->sc[2 * ib + 1] = (int8_t)(2 * (aux >> 28) + 1);
    }
}

static inline void iq3_s_read(const uint8_t *blk, iq_block *b) {
    b->f = fp16_to_f32(load_u16(blk));
    b->delta = 0;
    for (int ib = 0; ib < 8; ib++) {
        const uint8_t *q = blk + 2 + 8 * ib;
        int qh = blk[66 + ib];
        for (int l = 0; l < 4; l++)
            b->g[4 * ib + l] = iq3_pair(grid_iq3s, q[2 * l] | ((qh << (8 - 2 * l)) & 256),
                                        q[2 * l + 1] | ((qh << (7 - 2 * l)) & 256));
        b->sc[2 * ib] = b->sc[2 * ib + 1] = (int8_t)(2 * ((blk[106 + ib / 2] >> (4 * (ib % 2))) & 15) + 1);
    }
    memcpy(b->s, blk + 74, 32);
}

static inline void iq1_s_read(const uint8_t *blk, iq_block *b) {
    b->f = fp16_to_f32(load_u16(blk)) * 0.125f;
    b->delta = 1;
    for (int ib = 0; ib < 8; ib++) {
        uint16_t qh = load_u16(blk + 34 + 2 * ib);
        for (int l = 0; l < 4; l++) {
            b->g[4 * ib + l] = grid_iq1s[blk[2 + 4 * ib + l] | (((qh >> (3 * l)) & 7) << 8)];
            b->s[4 * ib + l] = (qh & 0x8000) ? 1 : 0;
        }
        b->sc[2 * ib] = b->sc[2 * ib + 1] = (int8_t)(2 * ((qh >> 12) & 7) + 1);
    }
}

static inline void iq1_m_read(const uint8_t *blk, iq_block *b) {
    b->f = iq1m_d(blk) * 0.125f;
    b->delta = 1;
    for (int p = 0; p < 32; p++) {
        int qh = blk[32 + p / 2] >> (4 * (p % 2));
        b->g[p] = grid_iq1s[blk[p] | ((qh & 7) << 8)];
        b->s[p] = (qh & 8) ? 1 : 0;
    }
    for (int ib = 0; ib < 8; ib++) {
        uint16_t sc = load_u16(blk + 48 + 2 * (ib / 2)) >> (6 * (ib % 2));
        b->sc[2 * ib] = (int8_t)(2 * (sc & 7) + 1);
        b->sc[2 * ib + 1] = (int8_t)(2 * ((sc >> 3) & 7) + 1);
    }
}

#if defined(__AVX2__)
/* bytes of g negated where the matching bit of the 4 sign bytes s is set */
static inline __m256i iq_signed(__m256i g, uint32_t s) {
    const __m256i shuf = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0);
    const __m256i bits = _mm256_set1_epi64x((int64_t)0x8040201008040201ULL);
    __m256i m = _mm256_cmpeq_epi8(_mm256_and_si256(_mm256_shuffle_epi8(_mm256_set1_epi32((int)s), shuf), bits), bits);
    return _mm256_sub_epi8(_mm256_xor_si256(g, m), m);
}

static inline __m256i iq_words(const uint64_t *g) {
    return _mm256_set_epi64x((int64_t)g[3], (int64_t)g[2], (int64_t)g[1], (int64_t)g[0]);
}

/* 8·point + delta for 32 IQ1 values (points −1/0/1 in signed bytes) */
static inline __m256i iq1_values(const uint64_t *g, const uint8_t *neg) {
    const uint64_t plus = 0x0101010101010101ULL, minus = 0xffffffffffffffffULL;
    __m256i d = _mm256_set_epi64x((int64_t)(neg[3] ? minus : plus), (int64_t)(neg[2] ? minus : plus),
                                  (int64_t)(neg[1] ? minus : plus), (int64_t)(neg[0] ? minus : plus));
    return _mm256_add_epi8(_mm256_sign_epi8(_mm256_set1_epi8(8), iq_words(g)), d);
}

#define IQ_UNPACK(NAME, READ)                                                                              \
    static inline void NAME(const uint8_t *blk, __m256i W[8], __m256i S[8], __m256i *M, float *da,         \
                            float *db) {                                                                   \
        iq_block b;                                                                                        \
        READ(blk, &b);                                                                                     \
        for (int j = 0; j < 8; j++)                                                                        \
            W[j] = b.delta ? iq1_values(b.g + 4 * j, b.s + 4 * j)                                          \
                           : iq_signed(iq_words(b.g + 4 * j), load_u32(b.s + 4 * j));                      \
        scales16(b.sc, S);                                                                                 \
        *M = _mm256_setzero_si256();                                                                       \
        *da = b.f;                                                                                         \
        *db = 0.f;                                                                                         \
    }

IQ_UNPACK(unpack_iq2_xxs, iq2_xxs_read)
IQ_UNPACK(unpack_iq2_xs, iq2_xs_read)
IQ_UNPACK(unpack_iq2_s, iq2_s_read)
IQ_UNPACK(unpack_iq3_xxs, iq3_xxs_read)
IQ_UNPACK(unpack_iq3_s, iq3_s_read)
IQ_UNPACK(unpack_iq1_s, iq1_s_read)
IQ_UNPACK(unpack_iq1_m, iq1_m_read)

Q8K_TILE_DOT(tile_iq2_xxs, unpack_iq2_xxs, pairs_s8s8, 66, 0)
Q8K_TILE_DOT(tile_iq2_xs, unpack_iq2_xs, pairs_s8s8, 74, 0)
Q8K_TILE_DOT(tile_iq2_s, unpack_iq2_s, pairs_s8s8, 82, 0)
Q8K_TILE_DOT(tile_iq3_xxs, unpack_iq3_xxs, pairs_s8s8, 98, 0)
Q8K_TILE_DOT(tile_iq3_s, unpack_iq3_s, pairs_s8s8, 110, 0)
Q8K_TILE_DOT(tile_iq1_s, unpack_iq1_s, pairs_s8s8, 50, 0)
Q8K_TILE_DOT(tile_iq1_m, unpack_iq1_m, pairs_s8s8, 56, 0)

#else /* scalar: the same integer sums, one activation row at a time */

static inline float iq_dot(const iq_block *b, const int8_t *x) {
    int isum = 0;
    for (int g = 0; g < 16; g++) {
        int sub = 0;
        for (int k = 0; k < 16; k++) {
            int p = (16 * g + k) / 8, j = k % 8;
            int v = (int8_t)(b->g[p] >> (8 * j));
            v = b->delta ? 8 * v + (b->s[p] ? -1 : 1) : ((b->s[p] >> j) & 1 ? -v : v);
            sub += v * x[16 * g + k];
        }
        isum += b->sc[g] * sub;
    }
    return b->f * (float)isum;
}

#define IQ_DOT(NAME, READ)                                                                                 \
    static float NAME(const uint8_t *blk, const int8_t *x, const int16_t *bs) {                            \
        (void)bs;                                                                                          \
        iq_block b;                                                                                        \
        READ(blk, &b);                                                                                     \
        return iq_dot(&b, x);                                                                              \
    }

IQ_DOT(dot_iq2_xxs, iq2_xxs_read)
IQ_DOT(dot_iq2_xs, iq2_xs_read)
IQ_DOT(dot_iq2_s, iq2_s_read)
IQ_DOT(dot_iq3_xxs, iq3_xxs_read)
IQ_DOT(dot_iq3_s, iq3_s_read)
IQ_DOT(dot_iq1_s, iq1_s_read)
IQ_DOT(dot_iq1_m, iq1_m_read)

Q8K_SCALAR_TILE(tile_iq2_xxs, dot_iq2_xxs, 66)
Q8K_SCALAR_TILE(tile_iq2_xs, dot_iq2_xs, 74)
Q8K_SCALAR_TILE(tile_iq2_s, dot_iq2_s, 82)
Q8K_SCALAR_TILE(tile_iq3_xxs, dot_iq3_xxs, 98)
Q8K_SCALAR_TILE(tile_iq3_s, dot_iq3_s, 110)
Q8K_SCALAR_TILE(tile_iq1_s, dot_iq1_s, 50)
Q8K_SCALAR_TILE(tile_iq1_m, dot_iq1_m, 56)
#endif

Q8K_MATMUL(sr_matmul_iq2_xxs, tile_iq2_xxs)
Q8K_MATMUL(sr_matmul_iq2_xs, tile_iq2_xs)
Q8K_MATMUL(sr_matmul_iq2_s, tile_iq2_s)
Q8K_MATMUL(sr_matmul_iq3_xxs, tile_iq3_xxs)
Q8K_MATMUL(sr_matmul_iq3_s, tile_iq3_s)
Q8K_MATMUL(sr_matmul_iq1_s, tile_iq1_s)
Q8K_MATMUL(sr_matmul_iq1_m, tile_iq1_m)
