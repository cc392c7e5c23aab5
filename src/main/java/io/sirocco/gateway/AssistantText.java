package io.sirocco.gateway;

/**
 * The assistant's text as Mistral's API returns it: the engine keeps the first SentencePiece piece's leading space
 * (" Hello"), the API does not. Exactly one leading space goes; later text is untouched.
 */
final class AssistantText {
    private AssistantText() {
    }

    static String stripLeadingSpace(String text) {
        return text != null && text.startsWith(" ") ? text.substring(1) : text;
    }

    /** For a stream: strips the space from the first non-empty delta only. One per generation. */
    static final class Stream {
        private volatile boolean started;

        Stream() {
            this(true);
        }

        /** A stream that keeps the leading space when {@code strip} is false (a reply continuing a prefix). */
        Stream(boolean strip) {
            this.started = !strip;
        }

        String next(String delta) {
            if (started || delta.isEmpty()) {
                return delta;
            }
            started = true;
            return stripLeadingSpace(delta);
        }
    }
}
