package io.sirocco.http;

import io.quarkus.mailer.MockMailbox;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sirocco.accounts.ApiKeys;
import io.sirocco.accounts.Fixtures;
import io.sirocco.accounts.WebSession;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bad-input battery over every route: the /v1 API, the public and signed-in JSON routes under /api, and the
 * console and admin forms. Broken JSON, bodies that are not UTF-8 (overlong UTF-8, UTF-16, Latin-1), wrong content
 * types, wrong methods, malformed ids in paths and queries: every answer is a 4xx (never a 5xx) with a non-empty
 * body that names no Java or Jackson internals and carries no stack trace.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputTest {
    /** What must never reach a client: Java class names, Jackson feature names, stack frames. */
    private static final Pattern INTERNALS = Pattern.compile(
            "Exception|com\\.fasterxml|Jackson|JsonReadFeature|JsonParser|\\bat [a-z]+\\.[a-z]+\\.|\\tat |java\\.|io\\.sirocco\\.|io\\.quarkus\\.|io\\.vertx\\.");
    /** {@code {"name":"/"}} with the slash written as the overlong two-byte sequence C0 AF. */
    private static final byte[] OVERLONG = {'{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', (byte) 0xC0, (byte) 0xAF, '"', '}'};
    private static final byte[] LATIN1 = {'{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', (byte) 0xE9, '"', '}'};

    @TestHTTPResource("/")
    URI base;
    @Inject
    MockMailbox mailbox;
    @Inject
    ApiKeys apiKeys;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private Fixtures.Customer customer;
    private String customerToken;
    private String adminToken;
    private String apiKey;
    private final List<String> failures = new ArrayList<>();

    @BeforeEach
    void people() {
        if (customer == null) {
            customer = Fixtures.customer(base, mailbox, "hostile");
            customerToken = Fixtures.token(customer.email(), customer.password());
            adminToken = Fixtures.adminToken();
            apiKey = apiKeys.create(customer.orgId(), "hostile", null, null).secret();
        }
        failures.clear();
    }

    /** Bodies that no JSON route may accept, by name. */
    private static Map<String, byte[]> brokenJson(String validObject) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("truncated", validObject.substring(0, validObject.length() - 2).getBytes(StandardCharsets.UTF_8));
        m.put("empty", new byte[0]);
        m.put("array", "[1,2]".getBytes(StandardCharsets.UTF_8));
        m.put("string", "\"x\"".getBytes(StandardCharsets.UTF_8));
        m.put("single quotes", "{'name':'x'}".getBytes(StandardCharsets.UTF_8));
        m.put("comment", "{/* c */}".getBytes(StandardCharsets.UTF_8));
        m.put("trailing comma", "{\"name\":\"x\",}".getBytes(StandardCharsets.UTF_8));
        m.put("NaN", "{\"count\":NaN}".getBytes(StandardCharsets.UTF_8));
        m.put("overlong UTF-8", OVERLONG);
        m.put("latin-1", LATIN1);
        m.put("UTF-16LE", validObject.getBytes(StandardCharsets.UTF_16LE));
        m.put("UTF-16 with BOM", validObject.getBytes(StandardCharsets.UTF_16));
        m.put("UTF-32", validObject.getBytes(java.nio.charset.Charset.forName("UTF-32BE")));
        m.put("wrong types", "{\"count\":\"many\",\"name\":[1],\"plan\":{},\"rpm_limit\":\"x\",\"grace_seconds\":\"x\",\"email\":7}"
                .getBytes(StandardCharsets.UTF_8));
        m.put("huge number", "{\"count\":1e999999,\"grace_seconds\":99999999999999999999999}".getBytes(StandardCharsets.UTF_8));
        return m;
    }

    @Test
    void jsonRoutesRefuseBrokenBodiesIn4xxWithAPlainMessage() throws Exception {
        String org = "/api/console/orgs/" + customer.orgId();
        String someKey = UUID.randomUUID().toString();
        record Route(String method, String path, String bearer, String valid) {
        }
        List<Route> routes = List.of(
                new Route("POST", "/v1/chat/completions", apiKey,
                        "{\"model\":\"mistral-tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1}"),
                new Route("POST", "/v1/fim/completions", apiKey, "{\"model\":\"mistral-tiny\",\"prompt\":\"def\",\"max_tokens\":1}"),
                new Route("POST", "/v1/embeddings", apiKey, "{\"model\":\"mistral-embed\",\"input\":\"hi\"}"),
                new Route("POST", "/api/waitlist", null, "{\"email\":\"a@b.example\",\"name\":\"A\"}"),
                new Route("POST", "/api/admin/invitations", adminToken, "{\"count\":0}"),
                new Route("PUT", "/api/admin/orgs/" + customer.orgId() + "/plan", adminToken, "{\"plan\":\"trial\"}"),
                new Route("POST", org + "/keys", customerToken, "{\"name\":\"k\"}"),
                new Route("POST", org + "/keys/" + someKey + "/rotate", customerToken, "{\"grace_seconds\":0}"));
        for (Route r : routes) {
            for (var body : brokenJson(r.valid()).entrySet()) {
                expectClean4xx(r.method() + " " + r.path() + " [" + body.getKey() + "]",
                        request(r.path(), r.bearer()).header("Content-Type", "application/json")
                                .method(r.method(), HttpRequest.BodyPublishers.ofByteArray(body.getValue())));
            }
            // /v1 reads JSON whatever the Content-Type says (as curl -d sends a form type); /api wants JSON
            boolean v1 = r.path().startsWith("/v1/");
            send(r.method() + " " + r.path() + " [text/plain]", !v1, request(r.path(), r.bearer())
                    .header("Content-Type", "text/plain").method(r.method(), HttpRequest.BodyPublishers.ofString(r.valid())));
            send(r.method() + " " + r.path() + " [no content type]", false, request(r.path(), r.bearer())
                    .method(r.method(), HttpRequest.BodyPublishers.ofString(r.valid())));
            expectClean4xx(r.method() + " " + r.path() + " [charset=utf-16]", request(r.path(), r.bearer())
                    .header("Content-Type", "application/json; charset=utf-16")
                    .method(r.method(), HttpRequest.BodyPublishers.ofByteArray(r.valid().getBytes(StandardCharsets.UTF_16))));
            expectClean4xx("DELETE " + r.path(), request(r.path(), r.bearer()).DELETE());
        }
        assertNoFailures();
    }

    @Test
    void nonUtf8BodiesAreRefusedWith400InPlainWords() throws Exception {
        for (var body : Map.of("overlong UTF-8", OVERLONG, "UTF-16", "{\"name\":\"x\"}".getBytes(StandardCharsets.UTF_16LE),
                "latin-1", LATIN1).entrySet()) {
            for (String[] route : new String[][]{{"/v1/chat/completions", apiKey}, {"/api/waitlist", null},
                    {"/api/console/orgs/" + customer.orgId() + "/keys", customerToken}}) {
                HttpResponse<String> r = http.send(request(route[0], route[1]).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body.getValue())).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(400, r.statusCode(), route[0] + " " + body.getKey() + ": " + r.body());
                assertTrue(r.body().contains("UTF-8"), route[0] + " " + body.getKey() + " names the encoding: " + r.body());
            }
        }
    }

    @Test
    void pathsAndQueriesWithMalformedIdsGetClean4xx() throws Exception {
        String org = "/api/console/orgs/";
        Map<String, String[]> gets = new LinkedHashMap<>();
        gets.put(org + "not-a-uuid", new String[]{customerToken});
        gets.put(org + customer.orgId() + "/keys/not-a-uuid", new String[]{customerToken});
        gets.put(org + UUID.randomUUID(), new String[]{customerToken});
        gets.put("/api/admin/invitations?limit=abc", new String[]{adminToken});
        gets.put("/api/admin/invitations?limit=-5", new String[]{adminToken});
        gets.put("/api/admin/invitations?limit=99999999999", new String[]{adminToken});
        gets.put("/api/admin/waitlist?status=bogus", new String[]{adminToken});
        gets.put("/api/admin/waitlist?limit=abc", new String[]{adminToken});
        gets.put("/api/admin/audit?limit=abc", new String[]{adminToken});
        gets.put("/api/admin/audit?since=yesterday", new String[]{adminToken});
        gets.put("/api/admin/nothing-here", new String[]{adminToken});
        gets.put("/api/admin/waitlist", new String[]{customerToken}); // wrong role
        gets.put("/api/admin/orgs", new String[]{"not-a-jwt"});
        gets.put("/api/admin/orgs ", new String[]{null});
        gets.put("/api/waitlist/status/" + "x".repeat(300), new String[]{null});
        gets.put("/api/waitlist/status/%00%ff", new String[]{null});
        gets.put("/v1/models/%ff%fe", new String[]{apiKey});
        gets.put("/v1/nothing-here", new String[]{apiKey});
        gets.put("/v1/models", new String[]{"sk-not-a-key"});
        for (var g : gets.entrySet()) { // a lenient answer (a negative limit read as none) is fine, a dirty one is not
            send("GET " + g.getKey(), false, request(g.getKey().strip(), g.getValue()[0]).GET());
        }
        expectClean4xx("POST /api/admin/invitations/not-a-uuid/revoke",
                request("/api/admin/invitations/not-a-uuid/revoke", adminToken).POST(HttpRequest.BodyPublishers.noBody()));
        expectClean4xx("POST /api/admin/invitations/{random}/revoke",
                request("/api/admin/invitations/" + UUID.randomUUID() + "/revoke", adminToken).POST(HttpRequest.BodyPublishers.noBody()));
        expectClean4xx("PUT /api/admin/orgs/not-a-uuid/plan", request("/api/admin/orgs/not-a-uuid/plan", adminToken)
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"plan\":\"trial\"}")));
        expectClean4xx("PUT /api/admin/orgs/{random}/plan", request("/api/admin/orgs/" + UUID.randomUUID() + "/plan", adminToken)
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"plan\":\"trial\"}")));
        assertNoFailures();
    }

    @Test
    void consoleAndAdminFormsRefuseBadInputCleanly() throws Exception {
        WebSession admin = WebSession.login(base, "/admin/billing", "admin", "admin");
        WebSession cust = WebSession.login(base, "/console/keys", customer.email(), customer.password());
        String adminCsrf = csrfOf(admin, "/admin/billing");
        String custCsrf = csrfOf(cust, "/console/keys");
        String org = customer.orgId().toString();
        record Form(WebSession who, String path, String csrf, Map<String, String> fields) {
        }
        List<Form> forms = new ArrayList<>();
        for (String amount : List.of("1E+999999999", "abc", "", "-1", "0.001", "9".repeat(400))) {
            forms.add(new Form(admin, "/admin/billing/orgs/" + org + "/topup", adminCsrf, Map.of("amount", amount, "note", "x")));
            forms.add(new Form(admin, "/admin/billing/orgs/" + org + "/cap", adminCsrf, Map.of("cap", amount)));
            forms.add(new Form(cust, "/console/usage/keys/" + UUID.randomUUID() + "/cap", custCsrf, Map.of("cap", amount)));
        }
        forms.add(new Form(admin, "/admin/billing/orgs/not-a-uuid/topup", adminCsrf, Map.of("amount", "1")));
        forms.add(new Form(admin, "/admin/billing/orgs/" + org + "/profile", adminCsrf,
                Map.of("country", "ZZZZ", "vatNumber", "x".repeat(5000), "name", "x".repeat(5000))));
        forms.add(new Form(admin, "/admin/billing/prices", adminCsrf, Map.of("model", "", "input", "x", "output", "1e99999")));
        forms.add(new Form(admin, "/admin/billing/invoices/issue", adminCsrf, Map.of("month", "2026-13")));
        forms.add(new Form(admin, "/admin/waitlist/invite-next", adminCsrf, Map.of("count", "abc")));
        forms.add(new Form(admin, "/admin/waitlist/invite-selected", adminCsrf, Map.of("entry", "not-a-uuid")));
        forms.add(new Form(admin, "/admin/invitations/not-a-uuid/revoke", adminCsrf, Map.of()));
        forms.add(new Form(admin, "/admin/orgs/" + UUID.randomUUID() + "/plan", adminCsrf, Map.of("plan", "platinum", "rpm_limit", "x")));
        forms.add(new Form(cust, "/console/keys", custCsrf, Map.of("name", "x".repeat(5000), "expires_at", "tomorrow", "cap", "x")));
        forms.add(new Form(cust, "/console/keys/not-a-uuid/revoke", custCsrf, Map.of()));
        forms.add(new Form(cust, "/console/keys/" + UUID.randomUUID() + "/rotate", custCsrf, Map.of("grace_seconds", "x")));
        forms.add(new Form(cust, "/console/keys", "wrong-token", Map.of("name", "k")));
        for (Form f : forms) {
            Map<String, String> fields = new LinkedHashMap<>(f.fields());
            fields.put("csrf", f.csrf());
            WebSession.Page p = f.who().postFormNoFollow(f.path(), fields);
            check("form " + f.path() + " " + f.fields().keySet(), p.status(), p.body(), p.header("content-type"));
        }
        // form bodies that are not UTF-8
        for (byte[] raw : List.of(new byte[]{'n', 'a', 'm', 'e', '=', (byte) 0xC0, (byte) 0xAF}, "name=x".getBytes(StandardCharsets.UTF_16LE))) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/api/waitlist"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(raw)).build(), HttpResponse.BodyHandlers.ofString());
            check("form /api/waitlist non-UTF-8", r.statusCode(), r.body(), r.headers().firstValue("content-type").orElse(null));
        }
        assertNoFailures();
    }

    private static String csrfOf(WebSession s, String page) {
        WebSession.Page p = s.get(page);
        assertEquals(200, p.status(), page);
        String token = p.hidden("csrf");
        assertTrue(token != null, "a CSRF token on " + page);
        return token;
    }

    private HttpRequest.Builder request(String path, String bearer) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path.startsWith("/") ? path.substring(1) : path))
                .timeout(Duration.ofSeconds(60));
        return bearer == null ? b : b.header("Authorization", "Bearer " + bearer);
    }

    private void expectClean4xx(String name, HttpRequest.Builder request) throws Exception {
        send(name, true, request);
    }

    /** Sends; a refusal must be clean, and when {@code mustRefuse} the request must be refused. */
    private void send(String name, boolean mustRefuse, HttpRequest.Builder request) throws Exception {
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (mustRefuse || r.statusCode() >= 400) {
            check(name, r.statusCode(), r.body(), r.headers().firstValue("content-type").orElse(null));
        }
    }

    private void check(String name, int status, String body, String contentType) {
        if (status >= 500) {
            failures.add(name + ": " + status + " " + body);
        } else if (status < 400 && status != 303) { // a form may answer with its page again (303 to it)
            failures.add(name + ": accepted with " + status + " " + abbreviate(body));
        } else if (status != 303 && (body == null || body.isBlank())) {
            failures.add(name + ": " + status + " with an empty body");
        } else if (body != null && INTERNALS.matcher(body).find()) {
            failures.add(name + ": " + status + " names internals: " + abbreviate(body));
        } else if (status != 303 && contentType == null) {
            failures.add(name + ": " + status + " without a content type");
        }
    }

    private static String abbreviate(String s) {
        return s == null ? null : s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }

    private void assertNoFailures() {
        assertTrue(failures.isEmpty(), failures.size() + " bad answers:\n" + String.join("\n", failures));
    }
}
