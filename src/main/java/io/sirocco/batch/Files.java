package io.sirocco.batch;

import io.agroal.api.AgroalDataSource;
import io.sirocco.gateway.ApiError;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An organization's files: metadata in {@code files}, bytes in the {@link FileStore}. Every lookup is by
 * organization and id, so another organization's file is simply not found (404).
 */
@ApplicationScoped
public class Files {
    static final String BATCH = "batch";
    /** The sample type of an uploaded input file (the others are the result and error files Sirocco writes). */
    public static final String REQUESTS = "batch_request";
    static final String RESULTS = "batch_result";
    static final String ERRORS = "batch_error";

    @Inject
    AgroalDataSource db;
    @Inject
    FileStore store;

    /** The purpose of an upload: only {@code batch} is stored; the others get a 422 that says why. */
    static String uploadPurpose(String purpose) {
        if (purpose == null || purpose.isBlank()) {
            throw ApiError.invalid("purpose", "purpose is required: upload batch input files with purpose batch");
        }
        return switch (purpose) {
            case BATCH -> BATCH;
            case "batch_result", "batch_output" -> throw ApiError.invalid("purpose", "purpose " + purpose
                    + " is for the result files Sirocco writes itself; upload batch input files with purpose batch");
            case "fine-tune" -> throw ApiError.invalid("purpose",
                    "fine-tuning is not supported yet: only purpose batch can be uploaded");
            default -> throw ApiError.invalid("purpose", "unsupported purpose " + purpose
                    + ": only purpose batch can be uploaded");
        };
    }

    /** Stores a new file read from {@code content} to its end, and returns it. */
    public StoredFile create(UUID org, String filename, String sampleType, InputStream content) {
        String id = "file-" + randomHex();
        LineCounter counted = new LineCounter(content);
        long bytes;
        try {
            bytes = store.write(id, counted);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int lines = (int) Math.min(Integer.MAX_VALUE, counted.lines + (counted.lastByte >= 0 && counted.lastByte != '\n' ? 1 : 0));
        StoredFile f = new StoredFile(id, org, filename, BATCH, sampleType, bytes, lines, Instant.now());
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                insert into files (id, org_id, filename, purpose, sample_type, bytes, num_lines, created_at)
                values (?,?,?,?,?,?,?,?)""")) {
            ps.setString(1, id);
            ps.setObject(2, org);
            ps.setString(3, filename);
            ps.setString(4, f.purpose());
            ps.setString(5, sampleType);
            ps.setLong(6, bytes);
            ps.setInt(7, lines);
            ps.setTimestamp(8, Timestamp.from(f.createdAt()));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not record file " + id, e);
        }
        return f;
    }

    public List<StoredFile> list(UUID org) {
        return query("where org_id = ? and deleted_at is null order by created_at desc, id", org, null);
    }

    /** The organization's file, or 404. */
    public StoredFile get(UUID org, String id) {
        return find(org, id).orElseThrow(() -> notFound(id));
    }

    public Optional<StoredFile> find(UUID org, String id) {
        return query("where org_id = ? and id = ? and deleted_at is null", org, id).stream().findFirst();
    }

    /** The content of the organization's file (404 when it is not theirs). */
    public InputStream open(UUID org, String id) {
        get(org, id);
        try {
            return store.open(id);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes the organization's file (404 when it is not theirs). */
    public StoredFile delete(UUID org, String id) {
        StoredFile f = get(org, id);
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "update files set deleted_at = now() where id = ? and org_id = ? and deleted_at is null")) {
            ps.setString(1, id);
            ps.setObject(2, org);
            ps.executeUpdate();
            store.delete(id);
        } catch (SQLException e) {
            throw new IllegalStateException("could not delete file " + id, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return f;
    }

    static ApiError notFound(String id) {
        return ApiError.notFound("no such file: " + id);
    }

    private List<StoredFile> query(String where, UUID org, String id) {
        List<StoredFile> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select id, org_id, filename, purpose, sample_type, bytes, num_lines, created_at from files " + where)) {
            ps.setObject(1, org);
            if (id != null) {
                ps.setString(2, id);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int lines = rs.getInt(7);
                    out.add(new StoredFile(rs.getString(1), rs.getObject(2, UUID.class), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getLong(6), rs.wasNull() ? null : lines,
                            rs.getTimestamp(8).toInstant()));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read files", e);
        }
        return out;
    }

    static String randomHex() {
        byte[] b = new byte[16];
        ThreadLocalRandom.current().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Counts newlines on the way through. */
    private static final class LineCounter extends FilterInputStream {
        long lines;
        int lastByte = -1;

        LineCounter(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                lastByte = b;
                if (b == '\n') {
                    lines++;
                }
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            for (int i = 0; i < n; i++) {
                if (buf[off + i] == '\n') {
                    lines++;
                }
            }
            if (n > 0) {
                lastByte = buf[off + n - 1];
            }
            return n;
        }
    }
}
