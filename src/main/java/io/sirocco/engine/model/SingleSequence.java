package io.sirocco.engine.model;

import io.sirocco.engine.EngineException;
import io.sirocco.engine.kernels.MatMul;

import java.util.Arrays;

/**
 * One sequence run step by step without the scheduler: for tools (CLI, bench) and conformance tests.
 * {@link #prefill} processes the whole prompt in one batch, {@link #decode} one token at a time.
 */
public final class SingleSequence {
    private final Transformer transformer;
    private final KvCache.BlockTable table;
    private int position;

    public SingleSequence(Model model, MatMul mm, int maxTokens) {
        KvCache kv = new KvCache(model.config.nLayer(), model.config.kvDim(), maxTokens);
        this.transformer = new Transformer(model.config, model.weights, mm, kv, model.vocabSize());
        this.table = kv.allocate(kv.totalBlocks());
    }

    /** Logits at the last prompt position. */
    public float[] prefill(int[] tokens) {
        return step(tokens);
    }

    /** Logits after appending one token. */
    public float[] decode(int token) {
        return step(new int[]{token});
    }

    public int position() {
        return position;
    }

    private float[] step(int[] tokens) {
        if (position + tokens.length > table.capacity()) {
            throw new EngineException("sequence of " + (position + tokens.length) + " tokens exceeds "
                    + table.capacity());
        }
        Batch b = new Batch(tokens.length);
        for (int i = 0; i < tokens.length; i++) {
            b.add(tokens[i], position + i, table, i == tokens.length - 1, false);
        }
        position += tokens.length;
        Transformer.Output out = transformer.forward(b);
        return Arrays.copyOf(out.logits(), transformer.vocab());
    }
}
