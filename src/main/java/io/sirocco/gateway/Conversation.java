package io.sirocco.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A request's validated {@code messages}: system, user, assistant (text, {@code tool_calls}, or a {@code prefix}
 * to continue) and tool results, in an order a conversation can have. Every problem is a 422 naming the message.
 *
 * @param turns  the messages, the prefix one excluded
 * @param prefix the text of a last assistant message with {@code prefix: true}, which the reply continues; or null
 */
record Conversation(List<Turn> turns, String prefix) {
    static final int MAX_MESSAGES = 1024;
    private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");

    /** One message. {@code calls} is empty except on an assistant message that called tools. */
    record Turn(String role, String content, List<Call> calls, String toolCallId, String name) {
    }

    /** A call an assistant made; {@code arguments} is the JSON object as compact text. */
    record Call(String id, String name, String arguments) {
    }

    /** The characters of every text the prompt is made of (contents, call arguments, prefix), before tokenizing. */
    long textChars() {
        long chars = prefix == null ? 0 : prefix.length();
        for (Turn t : turns) {
            chars += t.content() == null ? 0 : t.content().length();
            for (Call c : t.calls()) {
                chars += c.arguments().length();
            }
        }
        return chars;
    }

    static Conversation check(List<ChatRequest.Message> messages) {
        if (messages == null) {
            throw ApiError.invalid("messages", "messages is required");
        }
        if (messages.isEmpty()) {
            throw ApiError.invalid("messages", "messages must not be empty");
        }
        if (messages.size() > MAX_MESSAGES) {
            throw ApiError.invalid("messages", "at most " + MAX_MESSAGES + " messages are allowed");
        }
        List<Turn> turns = new ArrayList<>(messages.size());
        String prefix = null;
        List<Call> openCalls = List.of(); // the calls of the last assistant message, while tool results follow it
        for (int i = 0; i < messages.size(); i++) {
            String at = "messages[" + i + "]";
            ChatRequest.Message m = messages.get(i);
            if (m == null) {
                throw ApiError.invalid(at, at + " must be an object");
            }
            if (m.role() == null || !ROLES.contains(m.role())) {
                throw ApiError.invalid(at + ".role", at + ".role must be one of system, user, assistant, tool");
            }
            if (!openCalls.isEmpty() && !m.role().equals("tool") && turns.getLast().role().equals("assistant")) {
                throw ApiError.invalid(at + ".role", "the tool calls of messages[" + (i - 1)
                        + "] must be answered by tool messages before " + at);
            }
            String content = content(m.content(), at + ".content");
            Turn turn = switch (m.role()) {
                case "assistant" -> assistant(m, content, at);
                case "tool" -> tool(m, content, openCalls, at);
                default -> {
                    if (content.isEmpty()) {
                        throw ApiError.invalid(at + ".content", at + ".content must not be empty");
                    }
                    noAssistantFields(m, at);
                    yield new Turn(m.role(), content, List.of(), null, m.name());
                }
            };
            if (Boolean.TRUE.equals(m.prefix())) {
                if (i != messages.size() - 1) {
                    throw ApiError.invalid(at + ".prefix", "only the last message may be a prefix");
                }
                prefix = content;
                break;
            }
            if (turn.role().equals("assistant")) {
                openCalls = turn.calls();
            } else if (!turn.role().equals("tool")) {
                openCalls = List.of();
            }
            turns.add(turn);
        }
        String last = messages.getLast().role();
        if (prefix == null && !last.equals("user") && !last.equals("tool")) {
            throw ApiError.invalid("messages[" + (messages.size() - 1) + "].role", "the last message must be a user "
                    + "or tool message, or an assistant message with prefix: true");
        }
        return new Conversation(List.copyOf(turns), prefix);
    }

    private static Turn assistant(ChatRequest.Message m, String content, String at) {
        if (m.toolCallId() != null) {
            throw ApiError.invalid(at + ".tool_call_id", "tool_call_id belongs on tool messages");
        }
        List<Call> calls = new ArrayList<>();
        if (m.toolCalls() != null) {
            if (Boolean.TRUE.equals(m.prefix())) {
                throw ApiError.invalid(at + ".prefix", "a prefix message cannot carry tool_calls");
            }
            Set<String> ids = new HashSet<>();
            for (int j = 0; j < m.toolCalls().size(); j++) {
                Call c = call(m.toolCalls().get(j), at + ".tool_calls[" + j + "]");
                if (!ids.add(c.id())) {
                    throw ApiError.invalid(at + ".tool_calls[" + j + "].id", "two tool calls have the id " + c.id());
                }
                calls.add(c);
            }
        }
        if (content.isEmpty() && calls.isEmpty() && !Boolean.TRUE.equals(m.prefix())) {
            throw ApiError.invalid(at + ".content", at + ".content must not be empty (or tool_calls given)");
        }
        return new Turn("assistant", content, List.copyOf(calls), null, m.name());
    }

    private static Call call(ChatRequest.ToolCall c, String at) {
        if (c == null || c.function() == null) {
            throw ApiError.invalid(at + ".function", at + ".function is required");
        }
        if (c.type() != null && !c.type().equals("function")) {
            throw ApiError.invalid(at + ".type", at + ".type must be function");
        }
        String name = c.function().name();
        if (name == null || name.isEmpty()) {
            throw ApiError.invalid(at + ".function.name", at + ".function.name is required");
        }
        JsonNode args = c.function().arguments();
        if (args != null && args.isTextual()) {
            try {
                args = StrictJson.WRITER.readTree(args.textValue());
            } catch (JsonProcessingException e) {
                throw ApiError.invalid(at + ".function.arguments", at + ".function.arguments is not valid JSON");
            }
        }
        if (args == null || !args.isObject()) {
            throw ApiError.invalid(at + ".function.arguments", at + ".function.arguments must be a JSON object");
        }
        String id = c.id() == null || c.id().isEmpty() ? ToolCalls.newId() : c.id();
        return new Call(id, name, StrictJson.WRITER.valueToTree(args).toString());
    }

    /** A tool result must answer a call of the assistant message just before it (by id, else by function name). */
    private static Turn tool(ChatRequest.Message m, String content, List<Call> open, String at) {
        if (m.toolCalls() != null || Boolean.TRUE.equals(m.prefix())) {
            throw ApiError.invalid(at, "tool_calls and prefix belong on assistant messages");
        }
        if (open.isEmpty()) {
            throw ApiError.invalid(at + ".tool_call_id", at + " answers no tool call: a tool message must follow "
                    + "an assistant message with tool_calls");
        }
        Call answered;
        if (m.toolCallId() != null) {
            answered = open.stream().filter(c -> c.id().equals(m.toolCallId())).findFirst()
                    .orElseThrow(() -> ApiError.invalid(at + ".tool_call_id", "tool_call_id " + m.toolCallId()
                            + " is not a call of the assistant message before it"));
        } else if (m.name() != null) {
            answered = open.stream().filter(c -> c.name().equals(m.name())).findFirst()
                    .orElseThrow(() -> ApiError.invalid(at + ".name", "no call of " + m.name() + " to answer"));
        } else {
            throw ApiError.invalid(at + ".tool_call_id", at + ".tool_call_id is required");
        }
        return new Turn("tool", content, List.of(), answered.id(), answered.name());
    }

    private static void noAssistantFields(ChatRequest.Message m, String at) {
        if (m.toolCalls() != null) {
            throw ApiError.invalid(at + ".tool_calls", "tool_calls belong on assistant messages");
        }
        if (m.toolCallId() != null) {
            throw ApiError.invalid(at + ".tool_call_id", "tool_call_id belongs on tool messages");
        }
        if (Boolean.TRUE.equals(m.prefix())) {
            throw ApiError.invalid(at + ".prefix", "prefix belongs on the last assistant message");
        }
    }

    /** A string, or text parts joined; anything else is a 422. */
    static String content(JsonNode c, String at) {
        if (c == null || c.isNull()) {
            return "";
        }
        if (c.isTextual()) {
            return c.textValue();
        }
        if (c.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : c) {
                if (!part.isObject() || !"text".equals(part.path("type").asText(null))
                        || !part.path("text").isTextual() || part.size() != 2) {
                    throw ApiError.invalid(at, at + " parts must be {\"type\":\"text\",\"text\":\"…\"}");
                }
                sb.append(part.get("text").textValue());
            }
            return sb.toString();
        }
        throw ApiError.invalid(at, at + " must be a string");
    }
}
