package io.sirocco.gateway;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/**
 * How embedding vectors are returned: Matryoshka truncation to {@code dimension} (then L2 re-normalisation), the
 * number type, and the encoding.
 * <ul>
 *   <li>{@code float}: the float32 values;</li>
 *   <li>{@code int8}: {@code round(v × 127)}, in −127..127; {@code uint8}: {@code round((v + 1) × 127.5)}, in 0..255;</li>
 *   <li>{@code binary}/{@code ubinary}: one bit per dimension ({@code v > 0}), 8 per byte, first dimension in the
 *       high bit, zero-padded to whole bytes; the bytes as signed (−128..127, {@code binary}) or unsigned integers.</li>
 * </ul>
 * With {@code base64}, the bytes (float32 little-endian, or the one-byte values) are base64-encoded instead.
 *
 * @param dimension the vector length wanted, or 0 for the model's own
 */
record EmbeddingFormat(int dimension, Dtype dtype, boolean base64) {
    enum Dtype { FLOAT, INT8, UINT8, BINARY, UBINARY }

    /** Checks the request's options against the model's vector length (422 naming the field). */
    static EmbeddingFormat check(EmbeddingRequest r, int modelDimension) {
        Integer dim = r.outputDimension() != null ? r.outputDimension() : r.dimensions();
        String dimParam = r.outputDimension() != null ? "output_dimension" : "dimensions";
        if (r.outputDimension() != null && r.dimensions() != null && !r.outputDimension().equals(r.dimensions())) {
            throw ApiError.invalid("dimensions", "dimensions and output_dimension are the same setting; give one");
        }
        if (dim != null && (dim < 1 || dim > modelDimension)) {
            throw ApiError.invalid(dimParam, dimParam + " must be between 1 and " + modelDimension);
        }
        String enc = r.encodingFormat() == null ? "float" : r.encodingFormat();
        boolean base64 = enc.equals("base64");
        Dtype fromEncoding = base64 ? null : dtype(enc, "encoding_format");
        Dtype dtype = r.outputDtype() == null ? (fromEncoding == null ? Dtype.FLOAT : fromEncoding)
                : dtype(r.outputDtype(), "output_dtype");
        if (r.outputDtype() != null && fromEncoding != null && fromEncoding != Dtype.FLOAT && fromEncoding != dtype) {
            throw ApiError.invalid("encoding_format", "encoding_format and output_dtype disagree");
        }
        return new EmbeddingFormat(dim == null ? 0 : dim, dtype, base64);
    }

    private static Dtype dtype(String s, String param) {
        return switch (s) {
            case "float" -> Dtype.FLOAT;
            case "int8" -> Dtype.INT8;
            case "uint8" -> Dtype.UINT8;
            case "binary" -> Dtype.BINARY;
            case "ubinary" -> Dtype.UBINARY;
            default -> throw ApiError.invalid(param, param + " must be one of float, base64, int8, uint8, binary, ubinary");
        };
    }

    /** The vector as the response's {@code embedding}: a float[], an int[] or a base64 string. */
    Object encode(float[] vector) {
        float[] v = truncate(vector);
        return switch (dtype) {
            case FLOAT -> base64 ? floats64(v) : v;
            case INT8 -> bytes(v, x -> Math.clamp(Math.round(x * 127.0), -127, 127));
            case UINT8 -> bytes(v, x -> Math.clamp(Math.round((x + 1) * 127.5), 0, 255));
            case BINARY -> bits(v, true);
            case UBINARY -> bits(v, false);
        };
    }

    /** The first {@code dimension} values, L2-normalised again. */
    float[] truncate(float[] v) {
        if (dimension == 0 || dimension == v.length) {
            return v;
        }
        float[] out = java.util.Arrays.copyOf(v, dimension);
        double sum = 0;
        for (float x : out) {
            sum += (double) x * x;
        }
        if (sum > 0) {
            float inv = (float) (1 / Math.sqrt(sum));
            for (int i = 0; i < out.length; i++) {
                out[i] *= inv;
            }
        }
        return out;
    }

    private interface Quantize {
        long apply(double x);
    }

    private Object bytes(float[] v, Quantize q) {
        int[] values = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            values[i] = (int) q.apply(v[i]);
        }
        return base64 ? bytes64(values) : values;
    }

    private Object bits(float[] v, boolean signed) {
        int[] packed = new int[(v.length + 7) / 8];
        for (int i = 0; i < v.length; i++) {
            if (v[i] > 0) {
                packed[i / 8] |= 0x80 >>> (i % 8);
            }
        }
        if (signed) {
            for (int i = 0; i < packed.length; i++) {
                packed[i] = (byte) packed[i];
            }
        }
        return base64 ? bytes64(packed) : packed;
    }

    /** Little-endian float32, as the OpenAI SDK decodes it. */
    static String floats64(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return Base64.getEncoder().encodeToString(b.array());
    }

    private static String bytes64(int[] values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) values[i];
        }
        return Base64.getEncoder().encodeToString(b);
    }
}
