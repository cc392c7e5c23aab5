#!/usr/bin/env python3
"""150 random texts (seeded) mixing ASCII, accents, Greek, CJK, Hangul, emoji, Unicode spaces and special-token
spellings, separated as llama.cpp's .inp files are; input for Fuzz.java."""
import random, sys
random.seed(7)
pool = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \t\n.,!?'\"-_/\\()[]{}<>|$+=^~`@#%&*:;") \
    + list("éÉàçñÑüÜßøΩωΣσπ日本語中文한국어ㅎ🚀😀\u00a0\u3000\u2009") \
    + ["'s", "'ll", "'RE", "[INST]", "</s>", "<s>", "<|sep|>", "  ", "\n\n", "123", "4567"]
sys.stdout.write("\n__ggml_vocab_test__\n".join(
    "".join(random.choice(pool) for _ in range(random.randint(1, 25))) for _ in range(150)))
