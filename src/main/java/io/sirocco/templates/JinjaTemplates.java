package io.sirocco.templates;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import io.sirocco.engine.ChatRenderer;
import io.sirocco.engine.EngineException;
import io.sirocco.engine.TemplateCompiler;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Chat templates ({@code tokenizer.chat_template}) rendered with HubSpot's Jinjava, with the globals Hugging Face's
 * {@code apply_chat_template} provides: {@code messages}, {@code tools}, {@code add_generation_prompt},
 * {@code bos_token}, {@code eos_token}, {@code raise_exception(msg)} and Python's {@code tojson}, with
 * {@code trim_blocks} and {@code lstrip_blocks} on. Errors (a syntax error, an unknown
 * filter, {@code raise_exception}) become an {@link EngineException} with the template's own message.
 */
public final class JinjaTemplates implements TemplateCompiler {
    /** Thrown by raise_exception; carries the template's message. */
    static final class TemplateRaised extends RuntimeException {
        TemplateRaised(String message) {
            super(message);
        }
    }

    private final Jinjava jinja;

    public JinjaTemplates() {
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withFailOnUnknownTokens(false)
                .withMaxOutputSize(4L << 20)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseTrimmingForNotesAndExpressions(true) // {{- x -}} and {#- -#} trim, as in Jinja2
                        .withParseWhitespaceControlStrictly(true)
                        .withIterateOverMapKeys(true)                // for k in dict: the keys, as in Python
                        .withEvaluateMapKeys(true)
                        .withKeepNullableLoopValues(true)
                        .build())
                .build();
        this.jinja = new Jinjava(config);
        jinja.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                JinjaTemplates.class, "raise", String.class));
        jinja.getGlobalContext().registerFilter(new PythonJson());
    }

    /** Jinja's raise_exception(message), as Hugging Face defines it for chat templates. */
    public static String raise(String message) {
        throw new TemplateRaised(message);
    }

    @Override
    public ChatRenderer compile(String source, String bosToken, String eosToken) {
        // Jinjava parses lazily: render once with an empty chat to find syntax errors at load time
        RenderResult probe = jinja.renderForResult(source, Map.of("messages", List.of(), "bos_token", "", "eos_token", ""));
        for (TemplateError e : probe.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL && e.getReason() == TemplateError.ErrorReason.SYNTAX_ERROR) {
                throw new EngineException("chat template does not parse: " + e.getMessage()
                        + (e.getLineno() > 0 ? " (line " + e.getLineno() + ")" : ""));
            }
        }
        return (messages, tools, addGenerationPrompt) -> {
            Map<String, Object> context = new HashMap<>();
            context.put("messages", messages);
            if (tools != null) {
                context.put("tools", tools);
            }
            context.put("add_generation_prompt", addGenerationPrompt);
            context.put("bos_token", bosToken);
            context.put("eos_token", eosToken);
            return render(source, context);
        };
    }

    private String render(String source, Map<String, Object> context) {
        RenderResult r;
        try {
            r = jinja.renderForResult(source, context);
        } catch (TemplateRaised e) {
            throw new EngineException(e.getMessage());
        } catch (InterpretException e) {
            throw new EngineException("chat template failed: " + raised(e));
        }
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                String raised = raisedMessage(e.getException());
                throw new EngineException(raised != null ? raised : "chat template failed: " + e.getMessage());
            }
        }
        return r.getOutput();
    }

    private static String raised(Throwable e) {
        String m = raisedMessage(e);
        return m != null ? m : e.getMessage();
    }

    /** The message of a raise_exception somewhere in the cause chain, or null. */
    private static String raisedMessage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TemplateRaised raised) {
                return raised.getMessage();
            }
        }
        return null;
    }
}
