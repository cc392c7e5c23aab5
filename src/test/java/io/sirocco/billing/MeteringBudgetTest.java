package io.sirocco.billing;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Admission, settlement and caps against the real PostgreSQL. */
@QuarkusTest
class MeteringBudgetTest {
    private static final String SMALL = "mistral-small"; // 0.60 in / 1.80 out per 1M

    @Inject
    Metering metering;
    @Inject
    BillingAccounts accounts;
    @Inject
    ReservationSweeper sweeper;
    @Inject
    AgroalDataSource db;

    private static String rid() {
        return "req-" + UUID.randomUUID();
    }

    @Test
    void settleWritesLedgerRollupAndSpendAndReleasesTheReservation() {
        UUID org = Fixtures.org(db, "settle");
        UUID key = Fixtures.key(db, org);
        String id = rid();
        Admission a = metering.admit(id, org, key, SMALL, 1000, 500);
        assertEquals(new BigDecimal("0.0015"), a.reservedEur().stripTrailingZeros()); // 1000*0.6 + 500*1.8 per 1M
        assertEquals(1, Fixtures.count(db, "select count(*) from budget_reservations where request_id = ?", id));

        UsageEvent e = metering.settle(a, 1000, 123, UsageStatus.COMPLETED);
        assertEquals(new BigDecimal("0.0008214"), e.costEur().stripTrailingZeros());
        assertEquals(0, e.costEur().compareTo(Fixtures.decimal(db, "select cost_eur from usage_ledger where request_id = ?", id)));
        assertEquals(0, Fixtures.count(db, "select count(*) from budget_reservations where request_id = ?", id));
        assertEquals(0, e.costEur().compareTo(Fixtures.decimal(db,
                "select sum(input_cost_eur + output_cost_eur) from usage_hourly where org_id = ?", org)));
        assertEquals(0, e.costEur().compareTo(Fixtures.decimal(db,
                "select spent_eur from budget_periods where scope = 'key' and scope_id = ?", key)));
        assertEquals(0, BigDecimal.ZERO.compareTo(Fixtures.decimal(db,
                "select reserved_eur from budget_periods where scope = 'org' and scope_id = ?", org)));

        // a redelivered event (or a second settle) is a no-op
        metering.settle(a, 1000, 123, UsageStatus.COMPLETED);
        assertEquals(1, Fixtures.count(db, "select sum(requests) from usage_hourly where org_id = ?", org));
    }

    @Test
    void failedBeforeOutputCostsNothing() {
        UUID org = Fixtures.org(db, "failed");
        Admission a = metering.admit(rid(), org, null, SMALL, 5000, 100);
        UsageEvent e = metering.settle(a, 5000, 0, UsageStatus.FAILED);
        assertEquals(0, e.costEur().signum());
        assertEquals(0, BigDecimal.ZERO.compareTo(Fixtures.decimal(db,
                "select reserved_eur from budget_periods where scope = 'org' and scope_id = ?", org)));
    }

    @Test
    void exhaustedKeyCapIsRefusedWithCapNameAndResetDate() {
        UUID org = Fixtures.org(db, "keycap");
        UUID key = Fixtures.key(db, org);
        accounts.setKeyCap(org, key, new BigDecimal("0.001"));
        BudgetExceededException ex = assertThrows(BudgetExceededException.class,
                () -> metering.admit(rid(), org, key, SMALL, 1000, 1000)); // worst 0.0024
        assertEquals(BudgetCap.KEY_MONTHLY, ex.cap());
        assertEquals(Months.resetDate(Instant.now()), ex.resetsOn());
        assertTrue(ex.getMessage().contains("resets on " + Months.resetDate(Instant.now())));
        // nothing was left reserved by the refused request, not even on the org cap it passed first
        assertEquals(0, Fixtures.count(db, "select count(*) from budget_reservations where org_id = ?", org));
        assertEquals(0, BigDecimal.ZERO.compareTo(Fixtures.decimal(db,
                "select coalesce(sum(reserved_eur), 0) from budget_periods where scope = 'org' and scope_id = ?", org)));
        // the refusal raises the 100% alert, recorded by the budget-alerts consumer
        await().atMost(10, TimeUnit.SECONDS).until(() -> Fixtures.count(db,
                "select count(*) from budget_alerts where scope_id = ? and threshold = 100", key) == 1);
    }

    @Test
    void fiftyConcurrentRequestsOverspendByAtMostOneWorstCase() throws Exception {
        UUID org = Fixtures.org(db, "race");
        UUID key = Fixtures.key(db, org);
        BigDecimal cap = new BigDecimal("0.10");
        accounts.setOrgCap(org, cap);
        // nearly exhaust the cap: 0.095 already spent
        Admission first = metering.admit(rid(), org, key, SMALL, 0, 52_778);
        metering.settle(first, 0, 52_778, UsageStatus.COMPLETED); // 0.0950004
        BigDecimal spentBefore = Fixtures.decimal(db,
                "select spent_eur from budget_periods where scope = 'org' and scope_id = ?", org);

        int n = 50;
        int maxTokens = 1000; // worst case 0.0018 each: only a few fit in the remaining 0.005
        BigDecimal worst = new Prices(SMALL, new BigDecimal("0.60"), new BigDecimal("1.80")).cost(0, maxTokens);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger refused = new AtomicInteger();
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Callable<Boolean> call = () -> {
                start.await();
                try {
                    Admission a = metering.admit(rid(), org, key, SMALL, 0, maxTokens);
                    metering.settle(a, 0, maxTokens, UsageStatus.COMPLETED); // uses its whole worst case
                    return true;
                } catch (BudgetExceededException e) {
                    refused.incrementAndGet();
                    assertEquals(BudgetCap.ORG_MONTHLY, e.cap());
                    return false;
                }
            };
            results.add(pool.submit(call));
        }
        start.countDown();
        int admitted = 0;
        for (Future<Boolean> f : results) {
            if (f.get(60, TimeUnit.SECONDS)) {
                admitted++;
            }
        }
        pool.shutdown();
        BigDecimal spent = Fixtures.decimal(db,
                "select spent_eur from budget_periods where scope = 'org' and scope_id = ?", org);
        assertTrue(admitted >= 1, "some requests fit");
        assertTrue(refused.get() >= 1, "the cap refused the rest");
        assertTrue(spent.compareTo(cap.add(worst)) <= 0, "overspend " + spent.subtract(cap) + " > " + worst);
        assertEquals(0, spent.compareTo(spentBefore.add(worst.multiply(BigDecimal.valueOf(admitted)))));
        assertEquals(0, BigDecimal.ZERO.compareTo(Fixtures.decimal(db,
                "select reserved_eur from budget_periods where scope = 'org' and scope_id = ?", org)));
        // crossing 80% (and reaching the cap) is alerted exactly once each
        await().atMost(10, TimeUnit.SECONDS).until(() -> Fixtures.count(db,
                "select count(*) from budget_alerts where scope_id = ? and scope = 'org'", org) == 2);
    }

    @Test
    void prepaidCreditIsDrawnDownAndRefusesWhenEmpty() {
        UUID org = Fixtures.org(db, "credit");
        accounts.topUp(org, new BigDecimal("0.002"), "welcome credit", "test");
        Admission a = metering.admit(rid(), org, null, SMALL, 1000, 500); // worst 0.0015
        BudgetExceededException ex = assertThrows(BudgetExceededException.class,
                () -> metering.admit(rid(), org, null, SMALL, 1000, 500)); // 0.0015 + 0.0015 > 0.002
        assertEquals(BudgetCap.PREPAID_CREDIT, ex.cap());
        metering.settle(a, 1000, 100, UsageStatus.COMPLETED); // 0.00078
        BillingAccounts.Profile p = accounts.profile(org).orElseThrow();
        assertEquals(0, new BigDecimal("0.00122").compareTo(p.creditBalanceEur()));
        assertEquals(0, p.creditReservedEur().signum());
        assertEquals(1, Fixtures.count(db, "select count(*) from credit_transactions where org_id = ? and kind = 'topup'", org));
    }

    @Test
    void startupSweepReleasesReservationsLeftByACrash() {
        UUID org = Fixtures.org(db, "crash");
        String id = rid();
        Admission a = metering.admit(id, org, null, SMALL, 10, 10);
        assertNotNull(a);
        // the process "dies" here: no settle. A restart of this node sweeps its reservations.
        sweeper.onStart(null);
        assertEquals(0, Fixtures.count(db, "select count(*) from budget_reservations where request_id = ?", id));
        assertEquals(0, BigDecimal.ZERO.compareTo(Fixtures.decimal(db,
                "select reserved_eur from budget_periods where scope = 'org' and scope_id = ?", org)));
        assertFalse(metering.release(id));
    }
}
