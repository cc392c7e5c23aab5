package io.sirocco.batch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a JSONL stream line by line, holding one line at a time: a line longer than {@code maxLineBytes} is skipped
 * to its end and reported as too long, never buffered whole. Line numbers start at 1; blank lines count but are
 * not returned.
 */
final class JsonlLines {
    /** One line: its number and bytes, or {@code tooLong} with no bytes. */
    record Line(int number, byte[] bytes, boolean tooLong) {
    }

    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int end;
    private int number;

    JsonlLines(InputStream in, int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /** The next non-blank line, or null at the end. */
    Line next() throws IOException {
        while (true) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            boolean tooLong = false;
            boolean any = false;
            while (true) {
                if (pos == end) {
                    end = in.read(buf);
                    pos = 0;
                    if (end <= 0) {
                        end = 0;
                        if (!any) {
                            return null;
                        }
                        break;
                    }
                }
                any = true;
                int start = pos;
                while (pos < end && buf[pos] != '\n') {
                    pos++;
                }
                int n = pos - start;
                if (!tooLong && line.size() + n > maxLineBytes) {
                    tooLong = true;
                    line.reset();
                }
                if (!tooLong) {
                    line.write(buf, start, n);
                }
                if (pos < end) {
                    pos++; // the newline
                    break;
                }
            }
            number++;
            if (tooLong) {
                return new Line(number, null, true);
            }
            byte[] bytes = line.toByteArray();
            int len = bytes.length;
            if (len > 0 && bytes[len - 1] == '\r') {
                len--;
            }
            if (new String(bytes, 0, len, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
                continue;
            }
            return new Line(number, len == bytes.length ? bytes : java.util.Arrays.copyOf(bytes, len), false);
        }
    }
}
