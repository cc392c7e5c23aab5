package io.sirocco.engine.synthetic;

import io.sirocco.engine.gguf.GgmlType;
import io.sirocco.engine.gguf.GgufWriter;
import io.sirocco.engine.quant.Quantizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Writes a {@link ModelSpec}'s weights as a GGUF file laid out exactly like the conformance pack
 * (golden README §4 and §7): F32 files in generation order, quantized files as llama-quantize
 * {@code --pure} writes them (sorted tensors, norms and the MoE router kept F32).
 */
public final class SyntheticModelWriter {
    private SyntheticModelWriter() {
    }

    /** Generates and writes in one go, encoding each tensor as it is generated (low memory). */
    public static void write(ModelSpec spec, GgmlType type, Path out) {
        write(spec, type, out, java.util.Map.of(), PackVocabulary.get());
    }

    /** As {@link #write(ModelSpec, GgmlType, Path)}, with extra metadata and another vocabulary (see PackVocabulary). */
    public static void write(ModelSpec spec, GgmlType type, Path out, java.util.Map<String, Object> extra,
                             PackVocabulary vocab) {
        List<Encoded> encoded = new ArrayList<>();
        SyntheticModel.generate(spec, t -> encoded.add(encode(t, type)));
        writeEncoded(spec, encoded, type != GgmlType.F32, type == GgmlType.F32 ? 0 : fileType(type), out, extra, vocab);
    }

    public static void write(ModelSpec spec, List<SyntheticModel.Weights> weights, GgmlType type, Path out) {
        write(spec, weights, type, out, java.util.Map.of());
    }

    /**
     * With extra metadata after {@code llama.vocab_size} (Integer → u32, Float → f32, String → string),
     * e.g. {@code llama.attention.sliding_window}; the pack's files have none.
     */
    public static void write(ModelSpec spec, List<SyntheticModel.Weights> weights, GgmlType type, Path out,
                             java.util.Map<String, Object> extra) {
        writeEncoded(spec, weights.stream().map(t -> encode(t, type)).toList(), type, out, extra);
    }

    /**
     * Mixed per-tensor types, as llama-quantize writes Q4_K_M files: {@code typeOf} picks each 2-D
     * tensor's type (norms and the router stay F32); {@code fileType} is general.file_type.
     */
    public static void writeMixed(ModelSpec spec, List<SyntheticModel.Weights> weights,
                                  java.util.function.Function<SyntheticModel.Weights, GgmlType> typeOf, int fileType,
                                  Path out) {
        writeEncoded(spec, weights.stream().map(t -> encodeMixed(t, typeOf)).toList(), true, fileType, out,
                java.util.Map.of());
    }

    /** {@link #writeMixed} generating the weights one tensor at a time (for large shapes). */
    public static void writeMixed(ModelSpec spec, java.util.function.Function<SyntheticModel.Weights, GgmlType> typeOf,
                                  int fileType, Path out) {
        List<Encoded> encoded = new ArrayList<>();
        SyntheticModel.generate(spec, t -> encoded.add(encodeMixed(t, typeOf)));
        writeEncoded(spec, encoded, true, fileType, out, java.util.Map.of());
    }

    private static Encoded encodeMixed(SyntheticModel.Weights t,
                                       java.util.function.Function<SyntheticModel.Weights, GgmlType> typeOf) {
        GgmlType tt = keepF32(t) ? GgmlType.F32 : typeOf.apply(t);
        return new Encoded(t.name(), tt, t.ne(), Quantizer.encode(tt, t.data()));
    }

    private static void writeEncoded(ModelSpec spec, List<Encoded> tensors, GgmlType type, Path out,
                                     java.util.Map<String, Object> extra) {
        if (!type.computable) {
            throw new IllegalArgumentException("cannot write " + type + " models");
        }
        writeEncoded(spec, tensors, type != GgmlType.F32, type == GgmlType.F32 ? 0 : fileType(type), out, extra);
    }

    /** A tensor in its file type. */
    private record Encoded(String name, GgmlType type, long[] ne, byte[] data) {
    }

    private static Encoded encode(SyntheticModel.Weights t, GgmlType type) {
        GgmlType tt = keepF32(t) || (type.blockSize > 1 && t.ne()[0] % type.blockSize != 0) ? GgmlType.F32 : type;
        return new Encoded(t.name(), tt, t.ne(), Quantizer.encode(tt, t.data()));
    }

    private static void writeEncoded(ModelSpec spec, List<Encoded> tensors, boolean quantized, int fileType, Path out,
                                     java.util.Map<String, Object> extra) {
        writeEncoded(spec, tensors, quantized, fileType, out, extra, PackVocabulary.get());
    }

    private static void writeEncoded(ModelSpec spec, List<Encoded> tensors, boolean quantized, int fileType, Path out,
                                     java.util.Map<String, Object> extra, PackVocabulary vocab) {
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "llama");
        w.putString("general.name", spec.name());
        w.putU32("llama.context_length", ModelSpec.CONTEXT_LENGTH);
        w.putU32("llama.embedding_length", spec.nEmbd());
        w.putU32("llama.block_count", spec.nLayer());
        w.putU32("llama.feed_forward_length", spec.nFf());
        w.putU32("llama.attention.head_count", spec.nHead());
        w.putU32("llama.attention.head_count_kv", spec.nHeadKv());
        w.putU32("llama.rope.dimension_count", spec.headDim());
        w.putF32("llama.rope.freq_base", 1000000.0f);
        w.putF32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        if (spec.moe()) {
            w.putU32("llama.expert_count", spec.nExpert());
            w.putU32("llama.expert_used_count", spec.nExpertUsed());
        }
        w.putU32("llama.vocab_size", ModelSpec.VOCAB);
        if (spec.embedding()) {
            w.putU32("llama.pooling_type", 1);
        }
        extra.forEach((k, v) -> {
            switch (v) {
                case Integer i -> w.putU32(k, i);
                case Float f -> w.putF32(k, f);
                case String str -> w.putString(k, str);
                default -> throw new IllegalArgumentException(k + ": " + v);
            }
        });
        if (!quantized) {
            w.putU32("general.file_type", 0);
        }
        PackVocabulary v = vocab;
        w.putString("tokenizer.ggml.model", "llama");
        w.putStrings("tokenizer.ggml.tokens", v.tokens());
        w.putF32s("tokenizer.ggml.scores", v.scores());
        w.putI32s("tokenizer.ggml.token_type", v.types());
        w.putU32("tokenizer.ggml.unknown_token_id", 0);
        w.putU32("tokenizer.ggml.bos_token_id", 1);
        w.putU32("tokenizer.ggml.eos_token_id", 2);
        w.putBool("tokenizer.ggml.add_bos_token", true);
        w.putBool("tokenizer.ggml.add_eos_token", false);
        if (quantized) {
            w.putU32("general.quantization_version", 2);
            w.putU32("general.file_type", fileType);
        }
        List<Encoded> order = new ArrayList<>(tensors);
        if (quantized) {
            order.sort(Comparator.comparingInt((Encoded t) -> layerOf(t.name()))
                    .thenComparing(Encoded::name, SyntheticModelWriter::compareBytes));
        }
        for (Encoded t : order) {
            w.addTensor(t.name(), t.type(), t.ne(), t.data());
        }
        w.write(out);
    }

    /** llama-quantize keeps 1-D tensors and the MoE router in F32. */
    static boolean keepF32(SyntheticModel.Weights t) {
        return t.ne().length == 1 || t.name().contains("ffn_gate_inp.weight");
    }

    static int fileType(GgmlType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case Q5_0 -> 8;
            case Q5_1 -> 9;
            case Q2_K -> 10;
            case Q3_K -> 11; // Q3_K_S
            case Q4_K -> 14; // Q4_K_S: all Q4_K
            case Q5_K -> 16; // Q5_K_S
            case Q6_K -> 18;
            case IQ4_NL -> 25;
            case IQ4_XS -> 30;
            case BF16 -> 32;
            case IQ2_XXS -> 19;
            case IQ2_XS -> 20;
            case IQ3_XXS -> 23;
            case IQ1_S -> 24;
            case IQ3_S -> 26;
            case IQ2_S -> 28;
            case IQ1_M -> 31;
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    static int layerOf(String name) {
        if (!name.startsWith("blk.")) {
            return -1;
        }
        return Integer.parseInt(name.substring(4, name.indexOf('.', 4)));
    }

    private static int compareBytes(String a, String b) {
        return java.util.Arrays.compareUnsigned(a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
