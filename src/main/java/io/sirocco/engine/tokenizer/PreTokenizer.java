package io.sirocco.engine.tokenizer;

import io.sirocco.engine.EngineException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The byte-level BPE pre-tokenizers named by {@code tokenizer.ggml.pre}: text → words, as llama.cpp splits it.
 *
 * <p>Each pre-tokenizer is a list of regexes applied in turn; every regex splits each current piece into its
 * matches and the text between them. A regex that uses the Unicode classes {@code \p{N} \p{L} \p{P} \p{M} \p{S}}
 * runs, as in llama.cpp, on a "collapsed" text where every non-ASCII code point stands as one character for its
 * class (non-ASCII whitespace as {@code \u000B}), the class being widened to that character plus its ASCII
 * members; other regexes run on the text itself, non-ASCII whitespace again as {@code \u000B}. So
 * {@code [^a-z]} in tekken's regex matches every non-ASCII letter, as it does in llama.cpp.
 */
public final class PreTokenizer {
    private static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    private static final String LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String QWEN2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
            + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Mistral's tekken (NeMo, Small 3, Ministral): an upper-case run then a lower-case run, single digits. */
    private static final String TEKKEN = "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+"
            + "|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*"
            + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final List<String> DEFAULT = List.of("[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]");
    private static final List<String> STARCODER = List.of("\\p{N}", GPT2);
    private static final List<String> FALCON = List.of("[\\p{P}\\$\\+<=>\\^~\\|`]+",
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)", "[0-9][0-9][0-9]");
    private static final String CJK = "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+";
    private static final List<String> DEEPSEEK_CODER = List.of("[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", CJK, "\\p{N}");
    /** deepseek-llm: its letters as explicit ranges (written as escapes: the Greek ones must not be normalized). */
    private static final List<String> DEEPSEEK_LLM = List.of("[\r\n]",
            "\\s?[A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293\u0295-\u02AF"
                    + "\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C\u038E-\u03A1\u03A3-\u03F5"
                    + "\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA"
                    + "\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45"
                    + "\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE"
                    + "\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC"
                    + "\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134"
                    + "\u2139\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE"
                    + "\u2CF2\u2CF3\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF"
                    + "\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A\uD801\uDC00-\uD801\uDC4F"
                    + "\uD801\uDCB0-\uD801\uDCD3\uD801\uDCD8-\uD801\uDCFB\uD803\uDC80-\uD803\uDCB2"
                    + "\uD803\uDCC0-\uD803\uDCF2\uD806\uDCA0-\uD806\uDCDF\uD83A\uDD00-\uD83A\uDD43]+",
            "\\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+", "\\s+$", CJK, "\\p{N}+");

    /** {@code tokenizer.ggml.pre} → regexes (the names llama.cpp accepts for these pre-tokenizers). */
    private static final Map<String, List<String>> BY_NAME = Map.ofEntries(
            Map.entry("default", DEFAULT),
            Map.entry("gpt-2", List.of(GPT2)), Map.entry("gpt2", List.of(GPT2)), Map.entry("phi-2", List.of(GPT2)),
            Map.entry("roberta-bpe", List.of(GPT2)), Map.entry("mpt", List.of(GPT2)), Map.entry("olmo", List.of(GPT2)),
            Map.entry("jais", List.of(GPT2)),
            Map.entry("llama-bpe", List.of(LLAMA3)), Map.entry("llama3", List.of(LLAMA3)),
            Map.entry("llama-v3", List.of(LLAMA3)), Map.entry("falcon3", List.of(LLAMA3)),
            Map.entry("dbrx", List.of(LLAMA3)), Map.entry("smaug-bpe", List.of(LLAMA3)),
            Map.entry("tekken", List.of(TEKKEN)),
            Map.entry("qwen2", List.of(QWEN2)), Map.entry("deepseek-r1-qwen", List.of(QWEN2)),
            Map.entry("stablelm2", List.of(QWEN2)), Map.entry("megrez", List.of(QWEN2)),
            Map.entry("starcoder", STARCODER), Map.entry("refact", STARCODER), Map.entry("command-r", STARCODER),
            Map.entry("smollm", STARCODER), Map.entry("codeshell", STARCODER), Map.entry("exaone", STARCODER),
            Map.entry("minerva-7b", STARCODER),
            Map.entry("falcon", FALCON),
            Map.entry("deepseek-coder", DEEPSEEK_CODER), Map.entry("deepseek-llm", DEEPSEEK_LLM));

    /** llama.cpp's stand-ins for the Unicode classes in collapsed text, and each class's ASCII members. */
    private static final char C_OTHER = '\u00D0';
    private static final String[][] CLASSES = {
            {"\\p{N}", "\u00D1", "0-9"},
            {"\\p{L}", "\u00D2", "A-Za-z"},
            {"\\p{P}", "\u00D3", "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}"},
            {"\\p{M}", "\u00D4", ""},
            {"\\p{S}", "\u00D5", "\\$\\+<->\\^`\\|"},
    };

    /** Whitespace as llama.cpp's Unicode tables define it. */
    private static final int[] WHITESPACE = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2001,
            0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000};

    private record Rule(Pattern pattern, boolean collapsed) {
    }

    private final String name;
    private final List<Rule> rules;

    private PreTokenizer(String name, List<String> regexes) {
        this.name = name;
        this.rules = regexes.stream().map(PreTokenizer::rule).toList();
    }

    /** The pre-tokenizer of a {@code tokenizer.ggml.pre} value; a missing value means "default", as in llama.cpp. */
    public static PreTokenizer named(String pre) {
        String key = pre == null || pre.isEmpty() ? "default" : pre;
        List<String> regexes = BY_NAME.get(key);
        if (regexes == null) {
            throw new EngineException("unsupported BPE pre-tokenizer '" + key + "' (supported: "
                    + BY_NAME.keySet().stream().sorted().toList() + ")");
        }
        return new PreTokenizer(key, regexes);
    }

    public String name() {
        return name;
    }

    private static Rule rule(String regex) {
        boolean collapse = false;
        for (String[] c : CLASSES) {
            collapse |= regex.contains(c[0]);
        }
        String r = regex.endsWith("$") ? regex.substring(0, regex.length() - 1) + "\\z" : regex; // ECMAScript's $
        return new Rule(Pattern.compile(collapse ? collapseRegex(r) : r), collapse);
    }

    /** Replaces each Unicode class by its stand-in character and ASCII members (inside a bracket or as one). */
    private static String collapseRegex(String regex) {
        StringBuilder out = new StringBuilder();
        boolean inside = false;
        for (int i = 0; i < regex.length(); i++) {
            char ch = regex.charAt(i);
            boolean escaped = i > 0 && regex.charAt(i - 1) == '\\';
            if (ch == '[' && !escaped) {
                inside = true;
            } else if (ch == ']' && inside && !escaped) {
                inside = false;
            } else if (ch == '\\' && regex.startsWith("\\p{", i) && i + 4 < regex.length() && regex.charAt(i + 4) == '}') {
                String[] cls = classOf(regex.substring(i, i + 5));
                if (cls != null) {
                    String members = cls[1] + cls[2];
                    out.append(inside ? members : "[" + members + "]");
                    i += 4;
                    continue;
                }
            }
            out.append(ch);
        }
        return out.toString();
    }

    private static String[] classOf(String p) {
        for (String[] c : CLASSES) {
            if (c[0].equals(p)) {
                return c;
            }
        }
        return null;
    }

    static boolean isWhitespace(int cp) {
        for (int w : WHITESPACE) {
            if (w == cp) {
                return true;
            }
        }
        return false;
    }

    /** The collapsed stand-in of one code point. */
    static char collapse(int cp) {
        if (cp < 128) {
            return (char) cp;
        }
        if (isWhitespace(cp)) {
            return '\u000B';
        }
        return switch (Character.getType(cp)) {
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> '\u00D1';
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> '\u00D2';
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> '\u00D3';
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> '\u00D4';
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> '\u00D5';
            default -> C_OTHER;
        };
    }

    /** Splits {@code text} into words (unencoded text; concatenated they give {@code text} back). */
    public List<String> split(String text) {
        int[] cps = text.codePoints().toArray();
        int n = cps.length;
        StringBuilder collapsed = new StringBuilder(n);
        StringBuilder plain = new StringBuilder(text.length());
        int[] charToCp = new int[text.length() + 1];
        for (int i = 0; i < n; i++) {
            collapsed.append(collapse(cps[i]));
            charToCp[plain.length()] = i;
            plain.appendCodePoint(cps[i] > 0x7F && isWhitespace(cps[i]) ? 0x0B : cps[i]);
        }
        charToCp[plain.length()] = n;
        int[] cpToChar = new int[n + 1];
        for (int i = 0, c = 0; i <= n; i++) {
            cpToChar[i] = c;
            c += i < n ? Character.charCount(cps[i]) : 0;
        }
        List<Integer> lengths = new ArrayList<>(List.of(n)); // piece lengths in code points
        for (Rule rule : rules) {
            List<Integer> next = new ArrayList<>();
            int start = 0;
            for (int len : lengths) {
                if (rule.collapsed) {
                    splitRegion(rule.pattern.matcher(collapsed), start, start + len, null, next);
                } else {
                    splitRegion(rule.pattern.matcher(plain), cpToChar[start], cpToChar[start + len], charToCp, next);
                }
                start += len;
            }
            lengths = next;
        }
        List<String> words = new ArrayList<>(lengths.size());
        int start = 0;
        for (int len : lengths) {
            words.add(new String(cps, start, len));
            start += len;
        }
        return words;
    }

    /** Matches and the text between them within [from, to), as lengths in code points. */
    private static void splitRegion(Matcher m, int from, int to, int[] charToCp, List<Integer> out) {
        m.region(from, to);
        int last = from;
        while (m.find()) {
            if (m.end() == m.start()) {
                continue;
            }
            if (m.start() > last) {
                out.add(cps(last, m.start(), charToCp));
            }
            out.add(cps(m.start(), m.end(), charToCp));
            last = m.end();
        }
        if (last < to) {
            out.add(cps(last, to, charToCp));
        }
    }

    private static int cps(int from, int to, int[] charToCp) {
        return charToCp == null ? to - from : charToCp[to] - charToCp[from];
    }
}
