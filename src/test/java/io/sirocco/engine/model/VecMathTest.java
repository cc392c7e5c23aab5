package io.sirocco.engine.model;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
