package io.sirocco.console;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.sirocco.accounts.Fixtures;
import io.sirocco.accounts.Organizations;
import io.sirocco.accounts.AccountsTestBase;
import io.sirocco.accounts.WebSession;
import io.sirocco.batch.BatchJobs;
import io.sirocco.gateway.ModelRegistry;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /console/batch}: a member uploads a JSONL file and creates a job from it, watches it finish with its cost,
 * downloads the output, reuses the file, cancels a job; bad files are refused with the lines named and kept nowhere;
 * roles without the batch permission, other orgs and requests without the form token are refused.
 * {@code /admin/batch}: the admin pauses and resumes batch work.
 */
@QuarkusTest
class BatchPagesTest extends AccountsTestBase {
    private static final Pattern COST = Pattern.compile("<td class=\"cost\">([0-9.]+)</td>");
    private static final Pattern CREATED = Pattern.compile("Job (batch_[0-9a-f]+) created: (\\d+) requests queued");

    @Inject
    ModelRegistry registry;
    @Inject
    BatchJobs jobs;
    @Inject
    Organizations organizations;

    @BeforeEach
    void ready() {
        await().atMost(Duration.ofSeconds(120)).until(registry::ready);
    }

    static String lines(int n) {
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < n; i++) {
            in.append("{\"custom_id\":\"c").append(i).append("\",\"body\":{\"max_tokens\":2,\"temperature\":0,")
                    .append("\"messages\":[{\"role\":\"user\",\"content\":\"Line ").append(i).append("\"}]}}\n");
        }
        return in.toString();
    }

    private static WebSession.Page create(WebSession s, String csrf, String fileName, String content, String fileId) {
        return s.postMultipart("/console/batch", fileId == null
                        ? Map.of("csrf", csrf, "endpoint", "/v1/chat/completions", "model", "mistral-tiny")
                        : Map.of("csrf", csrf, "endpoint", "/v1/chat/completions", "model", "mistral-tiny", "file_id", fileId),
                "file", fileName, content == null ? null : content.getBytes(StandardCharsets.UTF_8));
    }

    private static String row(String page, String jobId) {
        Matcher m = Pattern.compile("<tr id=\"" + jobId + "\".*?</tr>", Pattern.DOTALL).matcher(page);
        assertTrue(m.find(), jobId + " is listed");
        return m.group();
    }

    @Test
    void aMemberCreatesAJobFromAnUploadWatchesItFinishAndDownloadsTheOutput() {
        Fixtures.Customer c = customer("batchpage");
        WebSession s = signIn(c, "/console/batch");
        WebSession.Page page = s.get("/console/batch");
        assertEquals(200, page.status(), page.body());
        assertTrue(page.body().contains("No batch jobs yet."));
        String csrf = page.hidden("csrf");

        assertEquals(403, create(s, "x".repeat(43), "in.jsonl", lines(2), null).status(), "a wrong form token");
        WebSession.Page none = create(s, csrf, null, null, null);
        assertEquals(400, none.status());
        assertTrue(none.body().contains("Choose a JSONL file"), none.body());

        // A bad file: refused with its lines named, and the upload is not kept.
        String bad = lines(1) + "{\"body\":{\"messages\":[]}}\n" + "not json\n";
        WebSession.Page refused = create(s, csrf, "bad-file.jsonl", bad, null);
        assertEquals(422, refused.status(), refused.body());
        assertTrue(refused.body().contains("line 2: custom_id is missing"), refused.body());
        assertTrue(refused.body().contains("line 3: not valid JSON"), refused.body());
        assertFalse(refused.body().contains("bad-file.jsonl"), "the refused upload is not offered again");

        WebSession.Page made = create(s, csrf, "three.jsonl", lines(3), null);
        assertEquals(201, made.status(), made.body());
        Matcher m = CREATED.matcher(made.body());
        assertTrue(m.find(), made.body());
        String jobId = m.group(1);
        assertEquals("3", m.group(2));
        assertTrue(made.body().contains("three.jsonl"), "the upload is offered for the next job");

        String[] done = {null};
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() -> {
            done[0] = row(s.get("/console/batch").body(), jobId);
            return done[0].contains("data-status=\"succeeded\"");
        });
        assertTrue(done[0].contains("3 / 3"), done[0]);
        Matcher cost = COST.matcher(done[0]);
        assertTrue(cost.find() && new BigDecimal(cost.group(1)).signum() > 0, "the job's cost: " + done[0]);
        assertFalse(done[0].contains("action=\"/console/batch/" + jobId + "/cancel\""), "a finished job has no cancel");

        // Usage (page and CSV) names the job's rows "Batch (console, member)", at the job's cost, apart from the
        // member's playground calls, which run as the same key.
        String turn = "{\"model\":\"mistral-tiny\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        assertEquals(200, s.postJson(PlaygroundRoute.PATH, turn, Map.of(PlaygroundRoute.CSRF_HEADER, csrf)).status());
        BigDecimal[] jobCost = {null};
        String batchLabel = "Batch (console, " + c.email() + ")";
        Pattern byKey = Pattern.compile("<tr><td>(" + Pattern.quote(batchLabel) + "|" + Pattern.quote("Playground ("
                + c.email() + ")") + ")</td><td class=\"num\">(\\d+)</td>.*?<td class=\"num\">([0-9.]+)</td></tr>");
        Map<String, String[]> usage = new java.util.HashMap<>();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> {
            Matcher latest = COST.matcher(row(s.get("/console/batch").body(), jobId));
            jobCost[0] = latest.find() ? new BigDecimal(latest.group(1)) : null; // the ledger's rows, all in by now
            usage.clear();
            Matcher k = byKey.matcher(s.get("/console/usage").body());
            while (k.find()) {
                usage.put(k.group(1), new String[]{k.group(2), k.group(3)});
            }
            return usage.size() == 2 && jobCost[0] != null
                    && jobCost[0].compareTo(new BigDecimal(usage.get(batchLabel)[1])) == 0;
        });
        assertEquals("3", usage.get(batchLabel)[0], "the job's three lines");
        assertEquals("1", usage.get("Playground (" + c.email() + ")")[0], "the playground call");
        String csv = s.get("/console/usage/export").body();
        BigDecimal csvBatch = Arrays.stream(csv.split("\r\n")).filter(l -> l.contains(",\"" + batchLabel + "\","))
                .map(l -> new BigDecimal(l.substring(l.lastIndexOf(',') + 1))).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertEquals(0, jobCost[0].compareTo(csvBatch), csv);
        Matcher output = Pattern.compile("class=\"output\" href=\"(/console/batch/files/[^\"]+)\"").matcher(done[0]);
        assertTrue(output.find(), done[0]);
        WebSession.Page file = s.get(output.group(1));
        assertEquals(200, file.status());
        assertTrue(file.header("content-disposition").startsWith("attachment"), file.header("content-disposition"));
        List<String> results = Arrays.stream(file.body().split("\n")).filter(l -> !l.isBlank()).toList();
        assertEquals(3, results.size(), file.body());
        for (int i = 0; i < 3; i++) {
            int n = i;
            assertTrue(results.stream().anyMatch(l -> l.contains("\"custom_id\":\"c" + n + "\"")), file.body());
        }

        // Cancelling a finished job is refused with the reason, not a 500.
        WebSession.Page late = s.postFormNoFollow("/console/batch/" + jobId + "/cancel", Map.of("csrf", csrf));
        assertEquals(409, late.status());
        assertTrue(late.body().contains("has already ended"), late.body());

        // A job from the file uploaded before, cancelled while batch work is paused (so it cannot finish first).
        Matcher earlier = Pattern.compile("<option value=\"(file-[^\"]+)\">three\\.jsonl").matcher(made.body());
        assertTrue(earlier.find(), made.body());
        jobs.pauseAll(true);
        try {
            WebSession.Page again = create(s, csrf, null, null, earlier.group(1));
            assertEquals(201, again.status(), again.body());
            Matcher m2 = CREATED.matcher(again.body());
            assertTrue(m2.find());
            String second = m2.group(1);
            assertTrue(row(again.body(), second).contains("action=\"/console/batch/" + second + "/cancel\""));
            WebSession.Page cancelled = s.postFormNoFollow("/console/batch/" + second + "/cancel", Map.of("csrf", csrf));
            assertEquals(303, cancelled.status(), cancelled.body());
            String after = row(s.get("/console/batch").body(), second);
            assertTrue(after.contains("data-status=\"cancellation requested\"") || after.contains("data-status=\"cancelled\""),
                    after);
        } finally {
            jobs.pauseAll(false);
        }

        // Another org sees none of it.
        Fixtures.Customer other = customer("batchother");
        WebSession o = signIn(other, "/console/batch");
        String otherPage = o.get("/console/batch").body();
        assertFalse(otherPage.contains(jobId));
        assertEquals(404, o.get(output.group(1)).status(), "another org's file");
        assertEquals(404, o.postFormNoFollow("/console/batch/" + jobId + "/cancel",
                Map.of("csrf", new WebSession.Page(200, base, otherPage, Map.of()).hidden("csrf"))).status(),
                "another org's job");
    }

    @Test
    void aBillingMemberIsRefusedTheBatchPage() {
        Fixtures.Customer owner = customer("batchowner");
        String email = Fixtures.uniqueEmail("batchbilling");
        given().auth().oauth2(Fixtures.token(owner.email(), owner.password())).contentType(ContentType.JSON)
                .body(Map.of("email", email, "role", "billing"))
                .post("/api/console/orgs/" + owner.orgId() + "/invitations").then().statusCode(201);
        assertEquals(303, Fixtures.accept(base, Fixtures.invitationToken(mailbox, email), "Batch", "Billing",
                Fixtures.PASSWORD).status());
        WebSession s = WebSession.login(base, "/console/usage", email, Fixtures.PASSWORD);
        String usage = s.get("/console/usage").body();
        assertFalse(usage.contains("/console/batch"), "no link to a page the member cannot open");
        assertEquals(403, s.get("/console/batch").status());
        String csrf = new WebSession.Page(200, base, usage, Map.of()).hidden("csrf");
        assertEquals(403, create(s, csrf, "in.jsonl", lines(1), null).status());
    }

    @Test
    void theAdminPausesAndResumesBatchWork() {
        WebSession admin = WebSession.login(base, "/admin/batch", "admin", "admin");
        WebSession.Page page = admin.get("/admin/batch");
        assertEquals(200, page.status(), page.body());
        assertTrue(page.body().contains("Batch work is <strong>running</strong>"), page.body());
        String csrf = page.hidden("csrf");
        assertEquals(403, admin.postFormNoFollow("/admin/batch/pause", Map.of("csrf", "y".repeat(43), "paused", "true"))
                .status());
        assertEquals(400, admin.postFormNoFollow("/admin/batch/pause", Map.of("csrf", csrf, "paused", "maybe")).status());
        try {
            assertEquals(303, admin.postFormNoFollow("/admin/batch/pause", Map.of("csrf", csrf, "paused", "true")).status());
            assertTrue(jobs.globallyPaused());
            String paused = admin.get("/admin/batch").body();
            assertTrue(paused.contains("Batch work is <strong>paused</strong>"), paused);
            assertTrue(paused.contains("Resume batch work"));

            // A customer's job (waiting while paused) is listed with its organization's name.
            Fixtures.Customer c = customer("batchadminrow");
            WebSession s = signIn(c, "/console/batch");
            WebSession.Page made = create(s, s.get("/console/batch").hidden("csrf"), "two.jsonl", lines(2), null);
            Matcher m = CREATED.matcher(made.body());
            assertTrue(m.find(), made.body());
            String listed = row(admin.get("/admin/batch").body().replace("data-job-id=", "id="), m.group(1));
            assertTrue(listed.contains("<td>" + organizations.find(c.orgId()).orElseThrow().name() + "</td>"), listed);
            assertTrue(listed.contains("0 / 2"), listed);
            jobs.cancel(c.orgId(), m.group(1));
            assertEquals(303, admin.postFormNoFollow("/admin/batch/pause", Map.of("csrf", csrf, "paused", "false")).status());
            assertFalse(jobs.globallyPaused());
        } finally {
            jobs.pauseAll(false);
        }
        Fixtures.Customer c = customer("batchnotadmin");
        WebSession customer = signIn(c, "/console/keys");
        assertEquals(403, customer.get("/admin/batch").status());
    }
}
