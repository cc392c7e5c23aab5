package io.sirocco.engine.tokenizer;

import io.sirocco.engine.ChatMessage;
import io.sirocco.engine.EngineException;

import java.util.ArrayList;
import java.util.List;

/**
 * Mistral's instruct template (v1 tokenizer):
 * {@code <s>[INST] {system}\n\n{user1} [/INST] {assistant1}</s>[INST] {user2} [/INST]}.
 * A system message (optional, first) is folded into the first user turn. When the vocabulary has
 * {@code [INST]}/{@code [/INST]} as control tokens they are emitted as such; otherwise they are text.
 */
public final class ChatTemplate {
    public static final String GUARDRAIL = "Always assist with care, respect, and truth. Respond with utmost "
            + "utility yet securely. Avoid harmful, unethical, prejudiced, or negative content. Ensure replies "
            + "promote fairness and positivity.";

    private final Tokenizer tokenizer;
    private final int instOpen;
    private final int instClose;

    public ChatTemplate(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        Vocabulary v = tokenizer.vocabulary();
        int open = v.id("[INST]");
        int close = v.id("[/INST]");
        boolean control = open >= 0 && close >= 0 && v.isControl(open) && v.isControl(close);
        this.instOpen = control ? open : -1;
        this.instClose = control ? close : -1;
    }

    public int[] encode(List<ChatMessage> messages, boolean safePrompt) {
        if (messages == null || messages.isEmpty()) {
            throw new EngineException("chat needs at least one message");
        }
        int first = 0;
        String system = safePrompt ? GUARDRAIL : null;
        if ("system".equals(messages.get(0).role())) {
            String s = messages.get(0).content();
            system = system == null ? s : system + "\n\n" + s;
            first = 1;
        }
        List<Integer> ids = new ArrayList<>();
        Vocabulary v = tokenizer.vocabulary();
        ids.add(v.bos);
        for (int i = first; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            String expected = (i - first) % 2 == 0 ? "user" : "assistant";
            if (!expected.equals(m.role())) {
                throw new EngineException("message " + i + " has role '" + m.role() + "' but must be '" + expected
                        + "': after an optional first system message, roles must alternate user/assistant");
            }
            String content = m.content() == null ? "" : m.content();
            if (expected.equals("user")) {
                if (system != null) {
                    content = system + "\n\n" + content;
                    system = null;
                }
                addUser(content, ids);
            } else {
                add(tokenizer.encode(content, false), ids);
                ids.add(v.eos);
            }
        }
        if (!"user".equals(messages.get(messages.size() - 1).role())) {
            throw new EngineException("the last message must have role 'user'");
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private void addUser(String content, List<Integer> ids) {
        if (instOpen >= 0) {
            ids.add(instOpen);
            add(tokenizer.encode(content, false), ids);
            ids.add(instClose);
        } else {
            add(tokenizer.encode("[INST] " + content + " [/INST]", false), ids);
        }
    }

    private static void add(int[] a, List<Integer> ids) {
        for (int id : a) {
            ids.add(id);
        }
    }
}
