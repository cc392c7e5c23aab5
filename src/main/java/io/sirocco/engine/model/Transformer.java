package io.sirocco.engine.model;

import io.sirocco.engine.kernels.Activations;
import io.sirocco.engine.kernels.Dequantize;
import io.sirocco.engine.kernels.MatMul;
import io.sirocco.engine.kernels.Matrix;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The llama forward pass over a batch of tokens (Mistral dense and Mixtral MoE):
 * embeddings → per layer [RMSNorm → Q/K/V → RoPE → GQA attention over the paged KV cache → output
 * projection → residual → RMSNorm → SwiGLU FFN or sparse MoE → residual] → RMSNorm → LM head.
 */
public final class Transformer {
    private final ModelConfig c;
    private final LlamaWeights w;
    private final MatMul mm;
    private final KvCache kv;
    private final int vocab;
    private final double[] invFreq;
    private final AtomicLongArray expertCounts;
    /** MoE layer evaluations and the distinct experts they read (bench: experts per layer per step). */
    private final java.util.concurrent.atomic.AtomicLong moeLayerSteps = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong moeDistinctExperts = new java.util.concurrent.atomic.AtomicLong();

    /** Outputs of a step: logits and hidden states of the marked tokens, in batch order. */
    public record Output(float[] logits, int[] logitRows, float[] hidden, int[] hiddenRows) {
        /** Row index into {@link #logits} of batch token i, or -1. */
        public int logitsRow(int i) {
            return logitRows[i];
        }
    }

    public Transformer(ModelConfig c, LlamaWeights w, MatMul mm, KvCache kv, int vocab) {
        this.c = c;
        this.w = w;
        this.mm = mm;
        this.kv = kv;
        this.vocab = vocab;
        invFreq = new double[c.nRot() / 2];
        for (int i = 0; i < invFreq.length; i++) {
            invFreq[i] = Math.pow(c.ropeBase(), -2.0 * i / c.nRot());
        }
        expertCounts = new AtomicLongArray(c.nLayer() * Math.max(1, c.nExpert()));
    }

    public ModelConfig config() {
        return c;
    }

    public long[] expertCounts() {
        long[] out = new long[c.moe() ? expertCounts.length() : 0];
        for (int i = 0; i < out.length; i++) {
            out[i] = expertCounts.get(i);
        }
        return out;
    }

    /** Mean number of distinct experts whose weights were read per MoE layer per step, since the last reset. */
    public double distinctExpertsPerLayerStep() {
        long steps = moeLayerSteps.get();
        return steps == 0 ? 0 : (double) moeDistinctExperts.get() / steps;
    }

    public void resetExpertStats() {
        moeLayerSteps.set(0);
        moeDistinctExperts.set(0);
    }

    public Output forward(Batch b) {
        int n = b.count();
        int e = c.nEmbd();
        float[] x = new float[n * e];
        for (int i = 0; i < n; i++) {
            Dequantize.row(w.tokenEmbd, b.tokens[i], x, i * e);
        }
        float[] h = new float[n * e];
        for (int l = 0; l < c.nLayer(); l++) {
            LlamaWeights.Layer layer = w.layers[l];
            for (int i = 0; i < n; i++) {
                VecMath.rmsNorm(x, i * e, layer.attnNorm(), c.rmsEps(), h, i * e, e);
            }
            attention(l, layer, b, new Activations(h, n, e), x);
            for (int i = 0; i < n; i++) {
                VecMath.rmsNorm(x, i * e, layer.ffnNorm(), c.rmsEps(), h, i * e, e);
            }
            Activations ha = new Activations(h, n, e);
            if (c.moe()) {
                moe(l, layer, ha, x);
            } else {
                ffn(layer.dense(), ha, x, null, null);
            }
        }
        return head(b, x);
    }

    private Output head(Batch b, float[] x) {
        int n = b.count();
        int e = c.nEmbd();
        int[] logitRows = rows(b.wantLogits, n);
        int[] hiddenRows = rows(b.wantHidden, n);
        int nl = count(logitRows);
        int nh = count(hiddenRows);
        float[] sel = new float[nl * e];
        float[] hidden = new float[nh * e];
        for (int i = 0; i < n; i++) {
            if (logitRows[i] >= 0) {
                VecMath.rmsNorm(x, i * e, w.outputNorm, c.rmsEps(), sel, logitRows[i] * e, e);
            }
            if (hiddenRows[i] >= 0) {
                VecMath.rmsNorm(x, i * e, w.outputNorm, c.rmsEps(), hidden, hiddenRows[i] * e, e);
            }
        }
        float[] logits = nl == 0 ? new float[0] : mm.apply(w.output, new Activations(sel, nl, e));
        return new Output(logits, logitRows, hidden, hiddenRows);
    }

    private static int[] rows(boolean[] want, int n) {
        int[] rows = new int[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            rows[i] = want[i] ? k++ : -1;
        }
        return rows;
    }

    private static int count(int[] rows) {
        int k = 0;
        for (int r : rows) {
            k += r >= 0 ? 1 : 0;
        }
        return k;
    }

    // ---- attention ----

    private void attention(int l, LlamaWeights.Layer layer, Batch b, Activations h, float[] x) {
        int n = b.count();
        int qDim = c.qDim();
        int kvDim = c.kvDim();
        float[][] qkv = mm.applyEach(h, layer.wq(), layer.wk(), layer.wv());
        float[] q = qkv[0];
        float[] k = qkv[1];
        float[] v = qkv[2];
        float[] keys = kv.keys[l];
        float[] values = kv.values[l];
        for (int i = 0; i < n; i++) {
            rope(q, i * qDim, c.nHead(), b.positions[i]);
            rope(k, i * kvDim, c.nHeadKv(), b.positions[i]);
            int slot = b.tables[i].slot(b.positions[i]) * kvDim;
            System.arraycopy(k, i * kvDim, keys, slot, kvDim);
            System.arraycopy(v, i * kvDim, values, slot, kvDim);
        }
        float[] out = new float[n * qDim];
        int heads = c.nHead();
        long work = (long) c.headDim() * (b.positions[n - 1] + 1); // per (token, head), roughly
        int grain = (int) Math.max(1, (1 << 15) / work);
        mm.pool().parallelFor(n * heads, grain, (from, to) -> {
            float[] scores = new float[0];
            int[] offs = new int[0];
            for (int task = from; task < to; task++) {
                int i = task / heads;
                int head = task % heads;
                int len = b.positions[i] + 1;
                if (scores.length < len) {
                    scores = new float[Math.max(len, 2 * scores.length)];
                    offs = new int[scores.length];
                }
                attendOne(q, i * qDim + head * c.headDim(), b.tables[i], b.positions[i],
                        head / (heads / c.nHeadKv()), keys, values, scores, offs, out, i * qDim + head * c.headDim());
            }
        });
        float[] o = mm.apply(layer.wo(), new Activations(out, n, qDim));
        add(x, o);
    }

    /** One query head against its KV head over the causal (and sliding) window; softmax in float. */
    private void attendOne(float[] q, int qo, KvCache.BlockTable table, int pos, int kvHead, float[] keys,
                           float[] values, float[] scores, int[] offs, float[] out, int oo) {
        int d = c.headDim();
        int kvDim = c.kvDim();
        int first = c.slidingWindow() > 0 ? Math.max(0, pos - c.slidingWindow() + 1) : 0;
        float scale = (float) (1.0 / Math.sqrt(d));
        float max = Float.NEGATIVE_INFINITY;
        for (int p = first; p <= pos; p++) {
            offs[p] = table.slot(p) * kvDim + kvHead * d; // this head's key and value in the paged cache
        }
        VecMath.dots(q, qo, keys, offs, first, pos, scale, scores, d);
        for (int p = first; p <= pos; p++) {
            max = Math.max(max, scores[p]);
        }
        float sum = VecMath.expShifted(scores, first, pos, max);
        VecMath.axpyRows(scores, 1f / sum, offs, first, pos, values, out, oo, d);
    }

    /** RoPE, normal (non-NeoX) layout: pairs (2i, 2i+1) of each head rotated by pos·base^(-2i/n_rot). */
    private void rope(float[] v, int off, int heads, int pos) {
        int d = c.headDim();
        for (int i = 0; i < invFreq.length; i++) {
            double angle = pos * invFreq[i];
            float cos = (float) StrictMath.cos(angle);
            float sin = (float) StrictMath.sin(angle);
            for (int hd = 0; hd < heads; hd++) {
                int j = off + hd * d + 2 * i;
                float x0 = v[j];
                float x1 = v[j + 1];
                v[j] = x0 * cos - x1 * sin;
                v[j + 1] = x0 * sin + x1 * cos;
            }
        }
    }

    // ---- feed-forward ----

    /** x[rows[t]] += weights[t] · down(silu(gate·h) ⊙ up·h) for each row t of h (rows/weights null: all rows, weight 1). */
    private void ffn(LlamaWeights.Ffn f, Activations h, float[] x, int[] rows, float[] weights) {
        ffns(new LlamaWeights.Ffn[]{f}, new Activations[]{h}, x, new int[][]{rows}, new float[][]{weights});
    }

    /**
     * {@link #ffn} for several FFNs (a step's MoE experts) with two hand-offs to the pool in all: every gate and
     * up, then every down. Results are added to x in the order of fs, as one ffn call after another would.
     */
    private void ffns(LlamaWeights.Ffn[] fs, Activations[] hs, float[] x, int[][] rows, float[][] weights) {
        int m = fs.length;
        Matrix[] gateUp = new Matrix[2 * m];
        Activations[] gateUpIn = new Activations[2 * m];
        for (int i = 0; i < m; i++) {
            gateUp[2 * i] = fs[i].gate();
            gateUp[2 * i + 1] = fs[i].up();
            gateUpIn[2 * i] = gateUpIn[2 * i + 1] = hs[i];
        }
        float[][] gu = mm.applyAll(gateUp, gateUpIn);
        Matrix[] down = new Matrix[m];
        Activations[] downIn = new Activations[m];
        for (int i = 0; i < m; i++) {
            float[] gate = gu[2 * i];
            float[] up = gu[2 * i + 1];
            if (gate.length < SILU_PARALLEL_MIN) {
                VecMath.swiglu(gate, up, 0, gate.length);
            } else { // batched steps (prefill, many sequences): enough values to be worth a hand-off
                mm.pool().parallelFor(gate.length, 2048, (from, to) -> VecMath.swiglu(gate, up, from, to));
            }
            down[i] = fs[i].down();
            downIn[i] = new Activations(gate, hs[i].count, fs[i].gate().rows());
        }
        float[][] downs = mm.applyAll(down, downIn);
        int e = c.nEmbd();
        for (int i = 0; i < m; i++) {
            for (int t = 0; t < hs[i].count; t++) {
                int row = rows[i] == null ? t : rows[i][t];
                VecMath.axpy(weights[i] == null ? 1f : weights[i][t], downs[i], t * e, x, row * e, e);
            }
        }
    }

    /** Below this many values SwiGLU stays on the calling thread (a hand-off costs more). */
    private static final int SILU_PARALLEL_MIN = 8192;

    /**
     * Sparse MoE: fp32 softmax over all experts, top-k (lowest index on ties), renormalised; tokens are
     * grouped by expert so each used expert's weights are read once per step, unused ones not at all.
     */
    private void moe(int l, LlamaWeights.Layer layer, Activations h, float[] x) {
        int n = h.count;
        int nx = c.nExpert();
        int k = c.nExpertUsed();
        float[] logits = mm.apply(layer.router(), h);
        int[][] tokens = new int[nx][n];
        float[][] weights = new float[nx][n];
        int[] counts = new int[nx];
        int[] chosen = new int[k];
        float[] p = new float[nx];
        for (int t = 0; t < n; t++) {
            softmax(logits, t * nx, p, nx);
            topK(p, chosen);
            float sum = 0f;
            for (int j = 0; j < k; j++) {
                sum += p[chosen[j]];
            }
            for (int j = 0; j < k; j++) {
                int ex = chosen[j];
                tokens[ex][counts[ex]] = t;
                weights[ex][counts[ex]++] = p[ex] / sum;
            }
        }
        moeLayerSteps.incrementAndGet();
        int used = 0;
        for (int ex = 0; ex < nx; ex++) {
            used += counts[ex] == 0 ? 0 : 1;
        }
        LlamaWeights.Ffn[] fs = new LlamaWeights.Ffn[used];
        Activations[] subs = new Activations[used];
        int[][] rows = new int[used][];
        float[][] ws = new float[used][];
        int u = 0;
        for (int ex = 0; ex < nx; ex++) {
            if (counts[ex] == 0) {
                continue;
            }
            moeDistinctExperts.incrementAndGet();
            expertCounts.addAndGet(l * nx + ex, counts[ex]);
            fs[u] = layer.experts()[ex];
            subs[u] = h.gather(tokens[ex], counts[ex]);
            rows[u] = tokens[ex];
            ws[u++] = weights[ex];
        }
        ffns(fs, subs, x, rows, ws); // every used expert in two hand-offs, added to x in expert order
    }

    private static void softmax(float[] in, int off, float[] out, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, in[off + i]);
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            out[i] = VecMath.strictExp(in[off + i] - max);
            sum += out[i];
        }
        for (int i = 0; i < n; i++) {
            out[i] /= sum;
        }
    }

    /** Indices of the k largest values, lowest index first among equals. */
    private static void topK(float[] p, int[] chosen) {
        boolean[] taken = new boolean[p.length];
        for (int j = 0; j < chosen.length; j++) {
            int best = -1;
            for (int i = 0; i < p.length; i++) {
                if (!taken[i] && (best < 0 || p[i] > p[best])) {
                    best = i;
                }
            }
            taken[best] = true;
            chosen[j] = best;
        }
    }

    private static void add(float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
    }

    public int vocab() {
        return vocab;
    }
}
