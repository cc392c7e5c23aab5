package io.sirocco.gateway;

import io.sirocco.engine.EngineException;
import io.sirocco.engine.ModelText;

import java.util.Arrays;

/**
 * A chat request's prompt tokens: the conversation (and its tools) through the model's template, then any prefix.
 * A model whose template has tool control tokens gets its tools, calls and results through that template
 * ({@link ToolPrompt#chatInput}); the others get them written into plain turns ({@link ToolPrompt#render}).
 */
final class ChatPrompt {
    private ChatPrompt() {
    }

    static int[] encode(ModelText engine, ChatValidation.Checked req) {
        int[] ids;
        try {
            ids = engine.rendersToolTokens()
                    ? engine.encodeChat(ToolPrompt.chatInput(req.conversation(), req.tools(), req.safePrompt()))
                    : engine.encodeChat(ToolPrompt.render(req.conversation(), req.tools()), req.safePrompt());
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
