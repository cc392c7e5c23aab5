package io.sirocco.engine.cli;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * {@code --name value} and {@code --flag} arguments, and llama-bench's short options ({@code -p 128 -n 64 -t 2
 * -r 5}) so that its command line carries over to {@code bench} unchanged.
 */
final class Args {
    private static final Map<String, String> SHORT = Map.of(
            "-p", "prompt-tokens", "-n", "decode-tokens", "-t", "threads", "-r", "runs", "-m", "model");
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();

    Args(String[] args, int from, Set<String> flagNames) {
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") && !SHORT.containsKey(a)) {
                throw new IllegalArgumentException("unexpected argument: " + a);
            }
            String name = SHORT.getOrDefault(a, a.substring(2));
            if (flagNames.contains(name)) {
                flags.add(name);
            } else if (i + 1 < args.length) {
                values.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException("missing value for " + a);
            }
        }
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    String get(String name, String def) {
        return values.getOrDefault(name, def);
    }

    String require(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("missing --" + name);
        }
        return v;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    int getInt(String name, int def) {
        return values.containsKey(name) ? Integer.parseInt(values.get(name)) : def;
    }
}
