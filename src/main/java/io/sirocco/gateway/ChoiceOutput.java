package io.sirocco.gateway;

import io.sirocco.engine.FinishReason;
import io.sirocco.engine.GenerationResult;
import io.sirocco.engine.TokenLogprobs;

import java.nio.charset.StandardCharsets;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One choice of a chat reply, turned from generated text into the API's message: text, or tool calls when the
 * request has tools and the text is a call array. While streaming, text that may still become a call is held
 * back (all of it when calls are forced), so a client sees either content deltas or tool calls, never both.
 */
final class ChoiceOutput {
    final int index;
    private final ToolSet tools;
    private final AssistantText.Stream text;
    private final StringBuilder held = new StringBuilder();
    /** OpenAI's logprobs entries not yet sent (when asked for). */
    private final List<Map<String, Object>> logprobs = new java.util.ArrayList<>();
    private boolean plainText;

    /** {@code stripSpace}: drop the first piece's space (not when the reply continues a prefix). */
    ChoiceOutput(int index, ToolSet tools, boolean stripSpace) {
        this.index = index;
        this.text = new AssistantText.Stream(stripSpace);
        this.tools = tools;
        this.plainText = !tools.callsAllowed();
    }

    /** Keeps a token's log-probabilities, in OpenAI's {@code logprobs.content[]} shape. */
    synchronized void logprobs(TokenLogprobs lp) {
        Map<String, Object> entry = entry(lp);
        entry.put("top_logprobs", lp.top().stream().map(ChoiceOutput::entry).toList());
        logprobs.add(entry);
    }

    /** The entries kept since the last call, as {@code {"content":[…]}}; null when there are none. */
    synchronized Map<String, Object> drainLogprobs() {
        if (logprobs.isEmpty()) {
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("content", List.copyOf(logprobs));
        logprobs.clear();
        return out;
    }

    private static Map<String, Object> entry(TokenLogprobs lp) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("token", new String(lp.bytes(), StandardCharsets.UTF_8));
        e.put("logprob", lp.logprob());
        int[] bytes = new int[lp.bytes().length];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = lp.bytes()[i] & 0xff;
        }
        e.put("bytes", bytes);
        return e;
    }

    /** A generated delta → the content to stream now (possibly empty). */
    synchronized String next(String delta) {
        if (plainText) {
            return text.next(delta);
        }
        held.append(delta);
        if (!tools.forced() && !ToolCalls.mayBeCall(held.toString())) {
            plainText = true;
            String out = text.next(held.toString());
            held.setLength(0);
            return out;
        }
        return "";
    }

    /** The reply once the generation ended: its calls (finish "tool_calls"), or its text. */
    synchronized Reply finish(GenerationResult r) {
        if (!plainText && r.finishReason() == FinishReason.STOP) {
            Optional<List<Conversation.Call>> calls = ToolCalls.parse(r.text(), tools);
            if (calls.isPresent()) {
                List<Conversation.Call> c = tools.parallel() ? calls.get() : calls.get().subList(0, 1);
                return new Reply("", c, "tool_calls", r.completionTokens());
            }
        }
        String rest = plainText ? "" : text.next(held.toString());
        held.setLength(0);
        return new Reply(rest, List.of(), ChatCompletions.finishReason(r.finishReason()), r.completionTokens());
    }

    /**
     * What remains to send when the choice ends: {@code content} not yet streamed (all of it for a complete,
     * non-streamed reply built by {@link #message}), or the calls.
     */
    record Reply(String content, List<Conversation.Call> calls, String finishReason, int completionTokens) {
    }

    /** The whole message of a non-streamed choice. */
    static Map<String, Object> message(String content, Reply reply) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", "assistant");
        message.put("content", content);
        if (!reply.calls().isEmpty()) {
            message.put("tool_calls", ToolCalls.json(reply.calls()));
        }
        return message;
    }
}
