package io.sirocco.gateway;

import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineException;

import java.util.Arrays;

/** A chat request's prompt tokens: the conversation (and its tools) through the model's template, then any prefix. */
final class ChatPrompt {
    private ChatPrompt() {
    }

    static int[] encode(Engine engine, ChatValidation.Checked req) {
        int[] ids;
        try {
            ids = engine.encodeChat(ToolPrompt.render(req.conversation(), req.tools()), req.safePrompt());
        } catch (EngineException e) {
            throw ApiError.invalid("messages", e.getMessage());
        }
        String prefix = req.conversation().prefix();
        if (prefix == null || prefix.isEmpty()) {
            return ids;
        }
        int[] more = engine.tokenize(prefix, false);
        int[] all = Arrays.copyOf(ids, ids.length + more.length);
        System.arraycopy(more, 0, all, ids.length, more.length);
        return all;
    }
}
