package io.sirocco.batch;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Files in PostgreSQL, in 1 MiB rows of {@code file_chunks}: nothing to run beside the database, and a backup of
 * the database holds the files too. Writing buffers one chunk at a time; reading fetches one chunk per query.
 */
@ApplicationScoped
public class PostgresFileStore implements FileStore {
    static final int CHUNK_BYTES = 1 << 20;

    @Inject
    AgroalDataSource db;

    @Override
    public long write(String fileId, InputStream content) throws IOException {
        byte[] chunk = new byte[CHUNK_BYTES];
        long total = 0;
        int seq = 0;
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "insert into file_chunks (file_id, seq, data) values (?, ?, ?)")) {
            while (true) {
                int n = content.readNBytes(chunk, 0, chunk.length);
                if (n == 0) {
                    break;
                }
                ps.setString(1, fileId);
                ps.setInt(2, seq++);
                ps.setBytes(3, n == chunk.length ? chunk : java.util.Arrays.copyOf(chunk, n));
                ps.executeUpdate();
                total += n;
                if (n < chunk.length) {
                    break;
                }
            }
        } catch (SQLException e) {
            throw new IOException("could not store file " + fileId, e);
        }
        return total;
    }

    @Override
    public InputStream open(String fileId) {
        return new InputStream() {
            private int seq;
            private byte[] current = new byte[0];
            private int pos;
            private boolean end;

            private boolean fill() throws IOException {
                while (!end && pos >= current.length) {
                    try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                            "select data from file_chunks where file_id = ? and seq = ?")) {
                        ps.setString(1, fileId);
                        ps.setInt(2, seq);
                        try (ResultSet rs = ps.executeQuery()) {
                            if (rs.next()) {
                                current = rs.getBytes(1);
                                pos = 0;
                                seq++;
                            } else {
                                end = true;
                            }
                        }
                    } catch (SQLException e) {
                        throw new IOException("could not read file " + fileId, e);
                    }
                }
                return !end || pos < current.length;
            }

            @Override
            public int read() throws IOException {
                return fill() ? current[pos++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                if (!fill()) {
                    return -1;
                }
                int n = Math.min(len, current.length - pos);
                System.arraycopy(current, pos, b, off, n);
                pos += n;
                return n;
            }
        };
    }

    @Override
    public void delete(String fileId) throws IOException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "delete from file_chunks where file_id = ?")) {
            ps.setString(1, fileId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IOException("could not delete file " + fileId, e);
        }
    }
}
