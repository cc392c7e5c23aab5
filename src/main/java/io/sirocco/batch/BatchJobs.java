package io.sirocco.batch;

import io.agroal.api.AgroalDataSource;
import io.sirocco.gateway.ApiError;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Batch jobs and their lines in PostgreSQL: the state a node needs to resume after a restart. A line is answered at
 * most once ({@code status_code} is set only while null); nodes take lines by a lease that they renew while the line
 * runs, so a crashed node's lines go back to the others when it lapses.
 */
@ApplicationScoped
public class BatchJobs {
    static final String QUEUED = "queued";
    static final String RUNNING = "running";
    static final String SUCCEEDED = "succeeded";
    static final String FAILED = "failed";
    static final String TIMEOUT = "timeout_exceeded";
    static final String CANCELLING = "cancellation_requested";
    static final String CANCELLED = "cancelled";
    static final Set<String> OPEN = Set.of(QUEUED, RUNNING, CANCELLING);

    private static final String COLUMNS = """
            select j.id, j.org_id, j.key_id, j.shape, j.endpoint, j.model, j.input_file_ids, j.metadata::text, j.state,
                   case when j.paused_until > now() then j.pause_reason end, j.total_requests, j.succeeded_requests,
                   j.failed_requests, j.enqueued_tokens, j.output_file_id, j.error_file_id, j.created_at, j.started_at,
                   j.completed_at, j.cancelled_at, j.expires_at,
                   (select coalesce(sum(u.cost_eur), 0) from batch_lines l
                    join usage_ledger u on u.request_id = l.request_id where l.job_id = j.id)
            from batch_jobs j""";

    @Inject
    AgroalDataSource db;

    /** A line to run: its job, its number, its deterministic request id and body. */
    record Line(String jobId, int lineNo, String customId, String requestId, String body, String model) {
    }

    /** The organization's job, or 404. */
    public BatchJob get(UUID org, String id) {
        return find(org, id).orElseThrow(() -> ApiError.notFound("no such batch job: " + id));
    }

    public Optional<BatchJob> find(UUID org, String id) {
        return query(" where j.org_id = ? and j.id = ?", ps -> {
            ps.setObject(1, org);
            ps.setString(2, id);
        }).stream().findFirst();
    }

    public List<BatchJob> list(UUID org, int limit) {
        return query(" where j.org_id = ? order by j.created_at desc, j.id limit ?", ps -> {
            ps.setObject(1, org);
            ps.setInt(2, limit);
        });
    }

    /** Each organization's latest {@code perOrg} jobs, all organizations newest first, in one query. */
    public List<BatchJob> latestPerOrg(int perOrg) {
        return query("""
                 where j.id in (select id from (select id, row_number() over (partition by org_id
                                order by created_at desc, id) as n from batch_jobs) r where r.n <= ?)
                order by j.created_at desc, j.id""", ps -> ps.setInt(1, perOrg));
    }

    /** Jobs with work left, oldest first (the runner's view). */
    List<BatchJob> open() {
        return query(" where j.state in ('queued', 'running', 'cancellation_requested') order by j.created_at, j.id",
                ps -> {
                });
    }

    /** Asks for a job to stop: its running lines finish, no new line starts. 404 not theirs; 409 already over. */
    public BatchJob cancel(UUID org, String id) {
        BatchJob job = get(org, id);
        if (!job.open()) {
            if (job.state().equals(CANCELLED)) {
                return job;
            }
            throw new ApiError(409, "invalid_request_error", "batch_finished", null,
                    "batch job " + id + " has already ended (" + job.state() + ")", null);
        }
        execute("update batch_jobs set state = 'cancellation_requested', cancelled_at = now() "
                + "where id = ? and state in ('queued', 'running')", id);
        return get(org, id);
    }

    /** Estimated tokens of the organization's lines not yet answered, in all its open jobs. */
    long enqueuedTokens(Connection c, UUID org) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select coalesce(sum(enqueued_tokens), 0) from batch_jobs "
                + "where org_id = ? and state in ('queued', 'running', 'cancellation_requested')")) {
            ps.setObject(1, org);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Takes up to {@code max} of a job's unanswered lines no node holds, for {@code lease}. Locked rows another node
     * is taking right now are skipped.
     */
    List<Line> claim(BatchJob job, int max, Duration lease) {
        List<Line> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                update batch_lines set claimed_until = now() + make_interval(secs => ?)
                where (job_id, line_no) in (
                    select job_id, line_no from batch_lines
                    where job_id = ? and status_code is null and (claimed_until is null or claimed_until < now())
                    order by line_no limit ? for update skip locked)
                returning line_no, custom_id, request_id, body""")) {
            ps.setDouble(1, lease.toMillis() / 1000.0);
            ps.setString(2, job.id());
            ps.setInt(3, max);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Line(job.id(), rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            job.model()));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not take lines of batch job " + job.id(), e);
        }
        out.sort(java.util.Comparator.comparingInt(Line::lineNo));
        return out;
    }

    /** Extends the lease of lines still running on this node. */
    void renew(String jobId, List<Integer> lineNos, Duration lease) {
        if (lineNos.isEmpty()) {
            return;
        }
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                update batch_lines set claimed_until = now() + make_interval(secs => ?)
                where job_id = ? and line_no = any (?) and status_code is null""")) {
            ps.setDouble(1, lease.toMillis() / 1000.0);
            ps.setString(2, jobId);
            ps.setArray(3, c.createArrayOf("integer", lineNos.toArray()));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not renew lines of batch job " + jobId, e);
        }
    }

    /** Gives a line back unanswered (to run again later); its lease ends now. */
    void unclaim(Line line) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "update batch_lines set claimed_until = null where job_id = ? and line_no = ? and status_code is null")) {
            ps.setString(1, line.jobId());
            ps.setInt(2, line.lineNo());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not give back a line of batch job " + line.jobId(), e);
        }
    }

    /**
     * Stores a line's answer, once: the first answer wins and counts; a later one (another node's run of the same
     * line after a lapsed lease) is dropped. Returns whether this one was stored.
     */
    boolean answer(Line line, int statusCode, String response) {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                int est;
                try (PreparedStatement ps = c.prepareStatement("""
                        update batch_lines set status_code = ?, response = ?, answered_at = now(), claimed_until = null
                        where job_id = ? and line_no = ? and status_code is null returning est_tokens""")) {
                    ps.setInt(1, statusCode);
                    ps.setString(2, response);
                    ps.setString(3, line.jobId());
                    ps.setInt(4, line.lineNo());
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            c.rollback();
                            return false;
                        }
                        est = rs.getInt(1);
                    }
                }
                boolean ok = statusCode >= 200 && statusCode < 300;
                try (PreparedStatement ps = c.prepareStatement("""
                        update batch_jobs set succeeded_requests = succeeded_requests + ?,
                            failed_requests = failed_requests + ?, enqueued_tokens = greatest(0, enqueued_tokens - ?),
                            pause_reason = null, paused_until = null
                        where id = ?""")) {
                    ps.setInt(1, ok ? 1 : 0);
                    ps.setInt(2, ok ? 0 : 1);
                    ps.setLong(3, est);
                    ps.setString(4, line.jobId());
                    ps.executeUpdate();
                }
                c.commit();
                return true;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not store a line of batch job " + line.jobId(), e);
        }
    }

    void markRunning(String jobId) {
        execute("update batch_jobs set state = 'running', started_at = coalesce(started_at, now()) "
                + "where id = ? and state = 'queued'", jobId);
    }

    /** The organization's spending cap stopped a line: the job waits {@code retry} with the reason on it. */
    void pause(String jobId, String reason, Duration retry) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "update batch_jobs set pause_reason = ?, paused_until = now() + make_interval(secs => ?) where id = ?")) {
            ps.setString(1, reason.length() > 500 ? reason.substring(0, 500) : reason);
            ps.setDouble(2, retry.toMillis() / 1000.0);
            ps.setString(3, jobId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not pause batch job " + jobId, e);
        }
    }

    boolean paused(String jobId) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select paused_until > now() from batch_jobs where id = ?")) {
            ps.setString(1, jobId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Lines of a job not answered and not held by any node's lease. */
    int unansweredUnclaimed(String jobId) {
        return count("select count(*) from batch_lines where job_id = ? and status_code is null "
                + "and (claimed_until is null or claimed_until < now())", jobId);
    }

    int unanswered(String jobId) {
        return count("select count(*) from batch_lines where job_id = ? and status_code is null", jobId);
    }

    /** Lines some node is running now. */
    int running(String jobId) {
        return count("select count(*) from batch_lines where job_id = ? and status_code is null "
                + "and claimed_until >= now()", jobId);
    }

    /** Ends a job in {@code state} with its files; only while it is still open (one node finishes it). */
    boolean finish(String jobId, String state, String outputFileId, String errorFileId) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                update batch_jobs set state = ?, output_file_id = ?, error_file_id = ?, completed_at = now(),
                    enqueued_tokens = 0, pause_reason = null, paused_until = null
                where id = ? and state in ('queued', 'running', 'cancellation_requested')""")) {
            ps.setString(1, state);
            ps.setString(2, outputFileId);
            ps.setString(3, errorFileId);
            ps.setString(4, jobId);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new IllegalStateException("could not finish batch job " + jobId, e);
        }
    }

    /** A job's lines in order, to write its files: (line, custom id, request id, status or null, response). */
    interface LineSink {
        void accept(int lineNo, String customId, String requestId, Integer status, String response) throws Exception;
    }

    void eachLine(String jobId, LineSink sink) throws Exception {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false); // a cursor: rows are fetched 500 at a time, not all at once
            try (PreparedStatement ps = c.prepareStatement("select line_no, custom_id, request_id, status_code, response "
                    + "from batch_lines where job_id = ? order by line_no")) {
                ps.setFetchSize(500);
                ps.setString(1, jobId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        int status = rs.getInt(4);
                        Integer answered = rs.wasNull() ? null : status;
                        sink.accept(rs.getInt(1), rs.getString(2), rs.getString(3), answered, rs.getString(5));
                    }
                }
            } finally {
                c.commit();
            }
        }
    }

    /** Whether an admin paused all batch work. */
    public boolean globallyPaused() {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select paused from batch_settings where id = 1"); ResultSet rs = ps.executeQuery()) {
            return rs.next() && rs.getBoolean(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public void pauseAll(boolean paused) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "update batch_settings set paused = ?, updated_at = now() where id = 1")) {
            ps.setBoolean(1, paused);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Unanswered lines and their estimated tokens per model, over all open jobs (the admin's view). */
    public record Queued(String model, long lines, long tokens) {
    }

    public List<Queued> queuedPerModel() {
        List<Queued> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                select coalesce(j.model, '(per line)'), count(*), coalesce(sum(l.est_tokens), 0)
                from batch_lines l join batch_jobs j on j.id = l.job_id
                where l.status_code is null and j.state in ('queued', 'running', 'cancellation_requested')
                group by 1 order by 1""");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Queued(rs.getString(1), rs.getLong(2), rs.getLong(3)));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private int count(String sql, String jobId) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, jobId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private void execute(String sql, String id) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, id);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private List<BatchJob> query(String where, Binder binder) {
        List<BatchJob> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(COLUMNS + where)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Array files = rs.getArray(7);
                    out.add(new BatchJob(rs.getString(1), rs.getObject(2, UUID.class), rs.getObject(3, UUID.class),
                            rs.getString(4), rs.getString(5), rs.getString(6), List.of((String[]) files.getArray()),
                            rs.getString(8), rs.getString(9), rs.getString(10), rs.getInt(11), rs.getInt(12),
                            rs.getInt(13), rs.getLong(14), rs.getString(15), rs.getString(16), instant(rs, 17),
                            instant(rs, 18), instant(rs, 19), instant(rs, 20), instant(rs, 21),
                            rs.getBigDecimal(22) == null ? BigDecimal.ZERO : rs.getBigDecimal(22)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read batch jobs", e);
        }
        return out;
    }

    private static Instant instant(ResultSet rs, int col) throws SQLException {
        Timestamp t = rs.getTimestamp(col);
        return t == null ? null : t.toInstant();
    }
}
