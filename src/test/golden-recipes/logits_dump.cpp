// Golden dumper (the conformance pack's procedure, golden README section 8): decodes a prompt in one
// batch with logits for the last position only, writes those logits as float32 LE to OUT.f32, then
// runs 24 greedy steps (argmax, lowest id on ties, one token per decode) and writes OUT.json.
// Settings: CPU, 1 thread, n_ctx 512, n_batch = n_ubatch = 512, F32 K/V cache, flash attention off.
// Build against the pinned llama.cpp:
//   g++ -O2 -std=c++17 -o logits_dump logits_dump.cpp -I$LLAMA/include -I$LLAMA/ggml/include \
//       -L$LLAMA/build/bin -lllama -lggml -lggml-base -Wl,-rpath,$LLAMA/build/bin
// Run: logits_dump MODEL.gguf 1,415,2936,... OUT   (prompt ids comma-separated)
#include "llama.h"
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

static int argmax(const float *l, int n, float *top, float *margin) {
    int best = 0;
    for (int i = 1; i < n; i++) if (l[i] > l[best]) best = i;
    float second = -INFINITY;
    for (int i = 0; i < n; i++) if (i != best && l[i] > second) second = l[i];
    *top = l[best];
    *margin = l[best] - second;
    return best;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: logits_dump MODEL ids OUT\n"); return 2; }
    std::vector<llama_token> prompt;
    for (char *p = strtok(argv[2], ","); p; p = strtok(nullptr, ",")) prompt.push_back(atoi(p));
    llama_backend_init();
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    llama_model *model = llama_model_load_from_file(argv[1], mp);
    if (!model) { fprintf(stderr, "cannot load %s\n", argv[1]); return 1; }
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = 512; cp.n_batch = 512; cp.n_ubatch = 512;
    cp.n_threads = 1; cp.n_threads_batch = 1;
    cp.type_k = GGML_TYPE_F32; cp.type_v = GGML_TYPE_F32;
    cp.flash_attn = false;
    llama_context *ctx = llama_init_from_model(model, cp);
    const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    if (llama_decode(ctx, llama_batch_get_one(prompt.data(), (int)prompt.size())) != 0) return 1;
    const float *logits = llama_get_logits_ith(ctx, -1);
    std::string out = argv[3];
    FILE *f = fopen((out + ".f32").c_str(), "wb");
    fwrite(logits, sizeof(float), n_vocab, f);
    fclose(f);
    double sum = 0, l2 = 0; float mn = logits[0], mx = logits[0];
    for (int i = 0; i < n_vocab; i++) { sum += logits[i]; l2 += (double)logits[i] * logits[i]; mn = fminf(mn, logits[i]); mx = fmaxf(mx, logits[i]); }
    std::vector<int> top10;
    for (int k = 0; k < 10; k++) {
        int b = -1;
        for (int i = 0; i < n_vocab; i++) {
            bool used = false;
            for (int t : top10) used |= t == i;
            if (!used && (b < 0 || logits[i] > logits[b])) b = i;
        }
        top10.push_back(b);
    }
    f = fopen((out + ".json").c_str(), "w");
    fprintf(f, "{\n \"model_file\": \"%s\",\n \"settings\": {\"backend\": \"CPU\", \"n_threads\": 1, \"n_ctx\": 512, \"n_batch\": 512, \"n_ubatch\": 512, \"kv_cache_type_k\": \"f32\", \"kv_cache_type_v\": \"f32\", \"flash_attn\": false},\n", strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1]);
    fprintf(f, " \"n_vocab\": %d,\n \"prompt_ids\": [", n_vocab);
    for (size_t i = 0; i < prompt.size(); i++) fprintf(f, "%s%d", i ? ", " : "", prompt[i]);
    fprintf(f, "],\n \"last_logits\": {\"sum\": %.9g, \"l2_norm\": %.9g, \"min\": %.9g, \"max\": %.9g, \"top10\": [", sum, sqrt(l2), mn, mx);
    for (int k = 0; k < 10; k++) fprintf(f, "%s{\"id\": %d, \"logit\": %.9g}", k ? ", " : "", top10[k], logits[top10[k]]);
    fprintf(f, "]},\n");
    std::vector<int> ids; std::vector<float> tops, margins;
    int pos = (int)prompt.size();
    for (int step = 0; step < 24; step++) {
        float top, margin;
        llama_token t = argmax(logits, n_vocab, &top, &margin);
        ids.push_back(t); tops.push_back(top); margins.push_back(margin);
        if (step == 23) break;
        if (llama_decode(ctx, llama_batch_get_one(&t, 1)) != 0) return 1;
        logits = llama_get_logits_ith(ctx, -1);
        pos++;
    }
    fprintf(f, " \"greedy_ids\": [");
    for (size_t i = 0; i < ids.size(); i++) fprintf(f, "%s%d", i ? ", " : "", ids[i]);
    fprintf(f, "],\n \"greedy_top1_logit\": [");
    for (size_t i = 0; i < tops.size(); i++) fprintf(f, "%s%.9g", i ? ", " : "", tops[i]);
    fprintf(f, "],\n \"greedy_margin_top1_top2\": [");
    for (size_t i = 0; i < margins.size(); i++) fprintf(f, "%s%.9g", i ? ", " : "", margins[i]);
    fprintf(f, "]\n}\n");
    fclose(f);
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
