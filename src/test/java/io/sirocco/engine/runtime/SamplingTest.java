package io.sirocco.engine.runtime;

import io.sirocco.engine.GenerationParams;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplingTest {
    static GenerationParams params(float t, float p, long seed) {
        return new GenerationParams(t, p, 10, List.of(), seed);
    }

    @Test
    void greedyTakesTheLowestIdOnTies() {
        float[] logits = {1f, 5f, 3f, 5f, 5f};
        assertEquals(1, new Sampler(params(0f, 1f, 0)).sample(logits, 0, 5));
        assertEquals(3, new Sampler(params(0f, 1f, 0)).sample(logits, 2, 3) + 2);
    }

    @Test
    void sameSeedSameDraws() {
        float[] logits = new float[100];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.sin(i);
        }
        List<Integer> a = new ArrayList<>();
        List<Integer> b = new ArrayList<>();
        Sampler sa = new Sampler(params(1f, 0.95f, 42));
        Sampler sb = new Sampler(params(1f, 0.95f, 42));
        for (int i = 0; i < 50; i++) {
            a.add(sa.sample(logits, 0, 100));
            b.add(sb.sample(logits, 0, 100));
        }
        assertEquals(a, b);
        assertTrue(a.stream().distinct().count() > 5, "a temperature of 1 should spread the draws");
    }

    @Test
    void tinyTopPKeepsOnlyTheTopToken() {
        float[] logits = {0f, 2f, 1f, 2.5f};
        Sampler s = new Sampler(params(1f, 0.01f, 7));
        for (int i = 0; i < 20; i++) {
            assertEquals(3, s.sample(logits, 0, 4));
        }
    }

    @Test
    void samplingFollowsTheSoftmax() {
        float[] logits = {0f, (float) Math.log(3)}; // p = 0.25, 0.75
        Sampler s = new Sampler(params(1f, 1f, 11));
        int ones = 0;
        for (int i = 0; i < 4000; i++) {
            ones += s.sample(logits, 0, 2);
        }
        assertEquals(0.75, ones / 4000.0, 0.03);
    }

    @Test
    void stopFilterHoldsBackPossibleStartsAndDropsTheStop() {
        StopFilter f = new StopFilter(List.of("END", "\n\n"));
        StringBuilder out = new StringBuilder();
        out.append(f.push("Hello E"));
        assertEquals("Hello ", out.toString());
        out.append(f.push("N"));
        assertEquals("Hello ", out.toString());
        out.append(f.push("vy"));
        assertEquals("Hello ENvy", out.toString());
        out.append(f.push(" done\n"));
        out.append(f.push("\nmore"));
        assertTrue(f.stopped());
        assertEquals("Hello ENvy done", out.toString());
        assertEquals("", f.push("x"));
        StopFilter g = new StopFilter(List.of("END"));
        assertEquals("abc", g.push("abcEN"));
        assertEquals("EN", g.flush());
    }

    @Test
    void frequencyPenaltyPushesARepeatedTokenDown() {
        float[] base = {0f, 1f, 0.5f};
        Sampler s = new Sampler(new GenerationParams(0f, 1f, 10, List.of(), 1L, 0f, 0.4f, 0, null));
        List<Integer> picks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            picks.add(s.sample(base.clone(), 0, 3));
        }
        // 1 wins (1.0), then 1.0-0.4=0.6 still beats 0.5, then 0.2 loses to 0.5; then 2 at 0.1 vs 1 at 0.2
        assertEquals(List.of(1, 1, 2, 1), picks);
    }

    @Test
    void presencePenaltyCountsOnceAndNegativeValuesFavourRepeats() {
        Sampler s = new Sampler(new GenerationParams(0f, 1f, 10, List.of(), 1L, 0.6f, 0f, 0, null));
        float[] base = {0f, 1f, 0.5f};
        assertEquals(1, s.sample(base.clone(), 0, 3));
        assertEquals(2, s.sample(base.clone(), 0, 3)); // 1.0 - 0.6 < 0.5
        assertEquals(1, s.sample(base.clone(), 0, 3)); // 0.4: the presence penalty does not grow with repeats
        Sampler repeat = new Sampler(new GenerationParams(0f, 1f, 10, List.of(), 1L, -2f, 0f, 0, null));
        float[] flat = {1f, 0.9f, 0.8f};
        repeat.sample(flat.clone(), 0, 3);
        float[] moved = {0.5f, 0.9f, 0.8f};
        assertEquals(0, repeat.sample(moved.clone(), 0, 3), "a negative penalty favours what was said");
    }
}
