package io.sirocco.engine;

/** One chat turn; role is system, user or assistant. */
public record ChatMessage(String role, String content) {
}
