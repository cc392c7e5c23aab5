// Known-answer recipe for QuantizerTest.LLAMA_CPP_SHA256: quantizes a float32 file with the pinned llama.cpp's
// ggml_quantize_chunk (no importance matrix, as llama-quantize). Build:
//   gcc -O2 -o qref qref.c -I$LLAMA/ggml/include -L$LLAMA/build/bin -lggml-base -lggml -Wl,-rpath,$LLAMA/build/bin
// Run: qref <ggml type code> <in.f32> <row length> <out.bin>
// reads n floats (f32 LE) from stdin-file argv[2], quantizes with ggml_quantize_chunk(type argv[1]) rows of argv[3], writes to argv[4]
#include "ggml.h"
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    int type = atoi(argv[1]);
    FILE *f = fopen(argv[2], "rb");
    fseek(f, 0, SEEK_END); long n = ftell(f) / 4; fseek(f, 0, SEEK_SET);
    float *x = malloc(n * 4); fread(x, 4, n, f); fclose(f);
    int64_t per_row = atoll(argv[3]);
    struct ggml_init_params ip = {1024, NULL, false}; ggml_free(ggml_init(ip)); // fills the fp16 table
    ggml_quantize_init(type);
    size_t sz = ggml_row_size(type, per_row) * (n / per_row);
    void *out = malloc(sz);
    ggml_quantize_chunk(type, x, out, 0, n / per_row, per_row, NULL);
    f = fopen(argv[4], "wb"); fwrite(out, 1, sz, f); fclose(f);
    return 0;
}
