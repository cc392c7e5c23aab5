package io.sirocco.engine.kernels;

/**
 * The compute kernels. The contract, which {@code ScalarReference} (tests) spells out with plain loops:
 * for rows {@code r} in [r0, r1) and every activation vector {@code t},
 * {@code y[t·yStride + r] = Σ_c W[r, c]·x_t[c]}, where
 * <ul>
 *   <li>F32, F16, BF16 weights use the float activations;</li>
 *   <li>block-quantized weights (Q8_0, Q4_0) use the Q8_0-quantized activations: per block of 32,
 *       {@code d_w · d_x · Σ_j q_w[j]·q_x[j]} with an exact integer inner sum.</li>
 * </ul>
 * Activations must already be quantized when the weight type needs it. Implementations are stateless
 * and safe to call from several threads on disjoint row ranges.
 */
public interface Kernels {
    String name();

    void matmul(Matrix w, int r0, int r1, Activations x, float[] y, int yStride);

    /** The best available implementation: native when allowed and loadable, else the Vector API one. */
    static Kernels best(boolean allowNative) {
        if (allowNative) {
            Kernels k = NativeKernels.load();
            if (k != null) {
                return k;
            }
        }
        return new JavaKernels();
    }
}
