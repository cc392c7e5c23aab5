import io.sirocco.engine.tokenizer.Tokenizer;
import java.nio.file.*; import java.util.*;
/**
 * Random-text cross-check against llama.cpp (not a test: needs llama-tokenize). From the repository root:
 *   python3 src/test/golden-recipes/vocab/fuzz_cases.py > /tmp/cases.txt
 *   LLAMA_TOKENIZE=.../llama-tokenize CASES=/tmp/cases.txt SPECIAL=0|1 \
 *     java -cp target/classes src/test/golden-recipes/vocab/Fuzz.java F.gguf…
 * prints cases passed per file (SPECIAL=1: with BOS and special tokens parsed).
 */
public class Fuzz { public static void main(String[] a) throws Exception {
  boolean special = "1".equals(System.getenv("SPECIAL"));
  String[] cases = Files.readString(Path.of(System.getenv().getOrDefault("CASES", "cases.txt"))).split("\n__ggml_vocab_test__\n", -1);
  for (int m = 0; m < a.length; m++) {
    Tokenizer t = Tokenizer.open(Path.of(a[m])); int bad = 0;
    List<String> lines = new ArrayList<>();
    for (String c : cases) {
      Path f = Files.createTempFile("fz", ".txt"); Files.writeString(f, c);
      List<String> cmd = new ArrayList<>(List.of(System.getenv().getOrDefault("LLAMA_TOKENIZE", "llama-tokenize"),
          "-m", a[m], "-f", f.toString(), "--ids", "--log-disable", "--no-escape"));
      if (!special) { cmd.add("--no-bos"); cmd.add("--no-parse-special"); }
      Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
      String o = new String(p.getInputStream().readAllBytes()).strip(); p.waitFor(); Files.delete(f);
      String[] ls = o.split("\n"); String want = ls[ls.length-1].replace(" ", "");
      String got = Arrays.toString(t.encode(c, special, special)).replace(" ", "");
      if (!want.equals(got)) { bad++; if (bad <= 3) System.out.println("  DIFF " + a[m] + " " + c.replace("\n","\\n") + "\n    want " + want + "\n    got  " + got); }
    }
    System.out.println(Path.of(a[m]).getFileName() + ": " + (cases.length - bad) + "/" + cases.length);
  }
}}
