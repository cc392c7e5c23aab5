package io.sirocco.engine.model;

import io.sirocco.engine.EngineException;
import io.sirocco.engine.gguf.GgmlType;
import io.sirocco.engine.gguf.GgufFile;
import io.sirocco.engine.gguf.GgufTensor;
import io.sirocco.engine.kernels.Dequantize;
import io.sirocco.engine.kernels.Matrix;

import java.util.Arrays;

/**
 * The weights of a llama model as views into the mapped file, checked against the config.
 * Experts load from either layout: merged 3-D {@code blk.N.ffn_gate_exps.weight} or per-expert
 * {@code blk.N.ffn_gate.E.weight}. A missing {@code output.weight} means it is tied to the embeddings.
 */
public final class LlamaWeights {
    public final Matrix tokenEmbd;
    public final float[] outputNorm;
    public final Matrix output;
    public final Layer[] layers;

    /** Dense FFN: gate/up/down. */
    public record Ffn(Matrix gate, Matrix up, Matrix down) {
    }

    /** One layer; {@code router} and {@code experts} are set for MoE, {@code dense} otherwise. */
    public record Layer(float[] attnNorm, Matrix wq, Matrix wk, Matrix wv, Matrix wo, float[] ffnNorm,
                        Ffn dense, Matrix router, Ffn[] experts) {
    }

    public LlamaWeights(GgufFile f, ModelConfig c, int vocabSize) {
        Loader l = new Loader(f);
        tokenEmbd = l.matrix("token_embd.weight", c.nEmbd(), vocabSize);
        outputNorm = l.vector("output_norm.weight", c.nEmbd());
        output = f.tensor("output.weight") != null ? l.matrix("output.weight", c.nEmbd(), vocabSize) : tokenEmbd;
        layers = new Layer[c.nLayer()];
        for (int i = 0; i < c.nLayer(); i++) {
            String p = "blk." + i + ".";
            Ffn dense = null;
            Matrix router = null;
            Ffn[] experts = null;
            if (c.moe()) {
                router = l.matrix(p + "ffn_gate_inp.weight", c.nEmbd(), c.nExpert());
                experts = new Ffn[c.nExpert()];
                for (int e = 0; e < c.nExpert(); e++) {
                    experts[e] = new Ffn(l.expert(p, "gate", e, c.nEmbd(), c.nFf(), c.nExpert()),
                            l.expert(p, "up", e, c.nEmbd(), c.nFf(), c.nExpert()),
                            l.expert(p, "down", e, c.nFf(), c.nEmbd(), c.nExpert()));
                }
            } else {
                dense = new Ffn(l.matrix(p + "ffn_gate.weight", c.nEmbd(), c.nFf()),
                        l.matrix(p + "ffn_up.weight", c.nEmbd(), c.nFf()),
                        l.matrix(p + "ffn_down.weight", c.nFf(), c.nEmbd()));
            }
            layers[i] = new Layer(l.vector(p + "attn_norm.weight", c.nEmbd()),
                    l.matrix(p + "attn_q.weight", c.nEmbd(), c.qDim()),
                    l.matrix(p + "attn_k.weight", c.nEmbd(), c.kvDim()),
                    l.matrix(p + "attn_v.weight", c.nEmbd(), c.kvDim()),
                    l.matrix(p + "attn_output.weight", c.qDim(), c.nEmbd()),
                    l.vector(p + "ffn_norm.weight", c.nEmbd()), dense, router, experts);
        }
    }

    /** Looks tensors up and checks name, shape and type, failing with the file and tensor named. */
    private record Loader(GgufFile f) {
        GgufTensor tensor(String name, long... ne) {
            GgufTensor t = f.tensor(name);
            if (t == null) {
                throw new EngineException(f.path() + ": missing tensor " + name);
            }
            if (!Arrays.equals(t.ne(), ne)) {
                throw new EngineException(f.path() + ": tensor " + name + " has shape " + Arrays.toString(t.ne())
                        + ", expected " + Arrays.toString(ne));
            }
            if (!t.type().computable) {
                throw new EngineException(f.path() + ": tensor " + name + " has type " + t.type()
                        + ", which this engine cannot compute yet");
            }
            return t;
        }

        Matrix matrix(String name, int cols, int rows) {
            return Matrix.of(tensor(name, cols, rows), 0);
        }

        float[] vector(String name, int n) {
            GgufTensor t = tensor(name, n);
            float[] out = new float[n];
            Dequantize.row(Matrix.of(new GgufTensor(name, t.type(), new long[]{n, 1}, t.data()), 0), 0, out, 0);
            return out;
        }

        Matrix expert(String prefix, String kind, int e, int cols, int rows, int nExpert) {
            String merged = prefix + "ffn_" + kind + "_exps.weight";
            if (f.tensor(merged) != null) {
                return Matrix.of(tensor(merged, cols, rows, nExpert), e);
            }
            return matrix(prefix + "ffn_" + kind + "." + e + ".weight", cols, rows);
        }
    }

    /** The weight type of most of the model (the attention query of layer 0), for display. */
    public GgmlType mainType() {
        return layers[0].wq().type();
    }
}
