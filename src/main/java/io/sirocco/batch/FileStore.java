package io.sirocco.batch;

import java.io.IOException;
import java.io.InputStream;

/**
 * Where the bytes of files live. The metadata (owner, name, size) is always in PostgreSQL ({@link Files}); a store
 * holds only content, so another store (an S3-compatible bucket, for scale-out) is one more implementation of this.
 * Content is streamed both ways: a store never holds a whole file in memory.
 */
public interface FileStore {

    /** Stores the content of a new file, read to its end; returns its size in bytes. */
    long write(String fileId, InputStream content) throws IOException;

    /** The content of a stored file, from its first byte; the caller closes it. */
    InputStream open(String fileId) throws IOException;

    /** Forgets a file's content; idempotent. */
    void delete(String fileId) throws IOException;
}
