package io.sirocco.engine.model;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VecMathTest {
    /** Attention's value sum keeps out in registers, yet must give the bits of one axpy per position. */
    @Test
    void axpyRowsGivesTheBitsOfOneAxpyPerPosition() {
        Random rnd = new Random(3);
        for (int n : new int[]{64, 70, 7, 128}) {
            int positions = 37;
            float[] rows = new float[positions * 2 * n + 5];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = (float) rnd.nextGaussian();
            }
            float[] w = new float[positions];
            int[] offs = new int[positions];
            for (int p = 0; p < positions; p++) {
                w[p] = rnd.nextFloat();
                offs[p] = rnd.nextInt(rows.length - n); // any order, as the paged cache's slots
            }
            float scale = 1f / 3.7f;
            int from = 4;
            int to = positions - 2;
            float[] expected = new float[n + 3];
            float[] actual = new float[n + 3];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = actual[i] = (float) rnd.nextGaussian();
            }
            for (int p = from; p <= to; p++) {
                VecMath.axpy(w[p] * scale, rows, offs[p], expected, 2, n);
            }
            VecMath.axpyRows(w, scale, offs, from, to, rows, actual, 2, n);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), "n " + n + " at " + i);
            }
        }
    }

    /** Attention's scores four positions at a time must give the bits of one dot product per position. */
    @Test
    void dotsGiveTheBitsOfOneDotPerPosition() {
        Random rnd = new Random(5);
        for (int n : new int[]{64, 70, 7, 32, 128}) {
            for (int positions : new int[]{1, 3, 4, 37}) {
                float[] rows = new float[positions * 2 * n + 5];
                for (int i = 0; i < rows.length; i++) {
                    rows[i] = (float) rnd.nextGaussian();
                }
                float[] q = new float[n + 9];
                for (int i = 0; i < q.length; i++) {
                    q[i] = (float) rnd.nextGaussian();
                }
                int[] offs = new int[positions + 2];
                for (int p = 0; p < offs.length; p++) {
                    offs[p] = rnd.nextInt(rows.length - n);
                }
                float scale = 1f / 3.7f;
                int from = 1;
                int to = positions;
                float[] actual = new float[positions + 2];
                VecMath.dots(q, 5, rows, offs, from, to, scale, actual, n);
                for (int p = from; p <= to; p++) {
                    float expected = VecMath.dot(q, 5, rows, offs[p], n) * scale;
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual[p]), "n " + n + " at " + p);
                }
            }
        }
    }

    /** The fast exp: every lane of the vector form has the scalar form's bits, within 2 ulp of fdlibm's e^x. */
    @Test
    void expLanesMatchTheScalarFormAndStayWithinTwoUlp() {
        Random rnd = new Random(7);
        int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        float[] xs = new float[lanes * 20000];
        float[] special = {0f, -0f, 1f, -1f, 0.5f, -0.5f, 88.72283f, 88.72284f, 88.7f, 89f, 100f, -87.33654f, -87.33655f,
                -87f, -88f, -100f, -1000f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.MIN_VALUE, 0.34657359f, -0.34657359f, 1e-8f, -1e-8f};
        System.arraycopy(special, 0, xs, 0, special.length);
        for (int i = special.length; i < xs.length; i++) {
            xs[i] = i % 3 == 0 ? (float) (rnd.nextDouble() * 176 - 88) : (float) (rnd.nextGaussian() * 8);
        }
        float[] vec = xs.clone();
        VecMath.expShifted(vec, 0, xs.length - 1, 0f);
        for (int i = 0; i < xs.length; i++) {
            float scalar = VecMath.exp(xs[i]);
            assertEquals(Float.floatToRawIntBits(scalar), Float.floatToRawIntBits(vec[i]), "lane of exp(" + xs[i] + ")");
            double exact = StrictMath.exp(xs[i]);
            if (exact >= Float.MIN_NORMAL && exact <= Float.MAX_VALUE) {
                assertTrue(Math.abs(scalar - exact) <= 2 * Math.ulp((float) exact), "exp(" + xs[i] + ") = " + scalar + ", not " + exact);
            } else if (exact > Float.MAX_VALUE) {
                assertTrue(scalar >= Float.MAX_VALUE / 2, "exp(" + xs[i] + ") = " + scalar);
            } else {
                assertTrue(scalar >= 0f && scalar <= Float.MIN_NORMAL, "exp(" + xs[i] + ") = " + scalar);
            }
        }
        assertTrue(Float.isNaN(VecMath.exp(Float.NaN)));
    }

    /** SwiGLU's vector body and scalar tail give the same bits as silu(g)·u one value at a time. */
    @Test
    void swigluGivesTheBitsOfTheScalarForm() {
        Random rnd = new Random(11);
        for (int n : new int[]{1, 7, 64, 3584 + 5}) {
            float[] gate = new float[n + 2];
            float[] up = new float[n + 2];
            for (int i = 0; i < gate.length; i++) {
                gate[i] = (float) rnd.nextGaussian() * (i % 17 == 0 ? 60 : 3);
                up[i] = (float) rnd.nextGaussian();
            }
            float[] actual = gate.clone();
            VecMath.swiglu(actual, up, 1, n + 1);
            for (int i = 0; i < gate.length; i++) {
                float expected = i >= 1 && i <= n ? VecMath.silu(gate[i]) * up[i] : gate[i];
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual[i]), "n " + n + " at " + i);
            }
        }
    }
}
