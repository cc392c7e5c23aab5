package io.sirocco.billing;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;

/**
 * The one rule for "the database is not there": a failure caused by a connection that could not be made or was lost
 * (SQLState class 08), a server shutting down or starting (57P01–57P03), or no pooled connection in time. Such a
 * request is answered 503 with Retry-After (the caller may retry), never 500, and a ledger row that could not be
 * written is kept in the {@link UsageSpool} until the database is back.
 */
public final class DatabaseOutage {
    private DatabaseOutage() {
    }

    public static boolean causedBy(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SQLTransientConnectionException || c instanceof SQLNonTransientConnectionException) {
                return true;
            }
            if (c instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (state != null && (state.startsWith("08") || state.startsWith("57P"))) {
                    return true;
                }
                String m = sql.getMessage(); // Agroal says "Acquisition timeout …" or "Sorry, acquisition timeout!"
                if (m != null && (m.toLowerCase(java.util.Locale.ROOT).contains("acquisition timeout")
                        || m.contains("This connection has been closed"))) {
                    return true;
                }
            }
        }
        return false;
    }
}
