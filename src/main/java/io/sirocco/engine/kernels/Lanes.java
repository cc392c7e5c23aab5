package io.sirocco.engine.kernels;

import jdk.incubator.vector.FloatVector;

/** Float lane reductions with a fixed order, so that results do not depend on how warm the JVM is. */
public final class Lanes {
    private Lanes() {
    }

    /**
     * Lane 0 + lane 1 + … in order. {@code reduceLanes(ADD)} leaves the order open, and the interpreter/C1
     * fallback and the C2 intrinsic use different ones: a cold and a warm JVM would round differently.
     */
    public static float sumInOrder(FloatVector v) {
        float s = 0f;
        for (int lane = 0; lane < v.length(); lane++) {
            s += v.lane(lane);
        }
        return s;
    }
}
