#!/usr/bin/env python3
"""Expected ids for the vocab-only files that TestVocabularies writes, from llama.cpp's llama-tokenize.

  java -cp target/classes:target/test-classes io.sirocco.engine.tokenizer.TestVocabularies DIR
  python3 src/test/golden-recipes/vocab/expected.py DIR /path/to/llama.cpp/build/bin/llama-tokenize

writes src/test/resources/vocab/expected.json: per file and text, "text" = ids with add_special and parse_special
off (user text), "special" = ids with the vocabulary's BOS and special tokens parsed (a rendered template)."""
import json, subprocess, sys, tempfile, os

d, tool = sys.argv[1], sys.argv[2]
texts = [l.rstrip("\n").encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
         for l in open(os.path.join(d, "texts.txt"), encoding="utf-8")]

def ids(model, text, *flags):
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", delete=False) as f:
        f.write(text)
    out = subprocess.run([tool, "-m", model, "-f", f.name, "--ids", "--log-disable", *flags],
                         capture_output=True, text=True, check=True).stdout
    os.unlink(f.name)
    return json.loads(out.strip().splitlines()[-1])

result = {}
for name in sorted(os.listdir(d)):
    if name.endswith(".gguf"):
        m = os.path.join(d, name)
        result[name] = [{"text": t, "text_ids": ids(m, t, "--no-bos", "--no-parse-special"), "special_ids": ids(m, t)}
                        for t in texts]
json.dump(result, open("src/test/resources/vocab/expected.json", "w", encoding="utf-8"), ensure_ascii=False, indent=1)
print("wrote src/test/resources/vocab/expected.json:", {k: len(v) for k, v in result.items()})
