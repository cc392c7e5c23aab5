package io.sirocco.launch;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * Starts the service. With no database configured (SIROCCO_DB_URL), an embedded PostgreSQL is started
 * first, with its data under the data folder, so a restart keeps it.
 */
@QuarkusMain
public class SiroccoMain {
    public static void main(String... args) {
        EmbeddedDatabase.startIfUnconfigured();
        Quarkus.run(args);
    }
}
