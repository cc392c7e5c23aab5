package io.sirocco.accounts;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A minimal browser for tests: a cookie jar per host:port, manual redirects, and Keycloak's real login form.
 * {@link #login} walks the OIDC authorization code + PKCE flow exactly as a browser does.
 */
public final class WebSession {

    public record Page(int status, URI uri, String body, Map<String, List<String>> headers) {
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream()).findFirst().orElse(null);
        }

        /** The value of a hidden input, e.g. the CSRF token. */
        public String hidden(String name) {
            Matcher m = Pattern.compile("name=\"" + Pattern.quote(name) + "\" value=\"([^\"]*)\"").matcher(body);
            return m.find() ? m.group(1) : null;
        }
    }

    private static final Pattern LOGIN_FORM = Pattern.compile("<form[^>]*id=\"kc-form-login\"[^>]*>", Pattern.DOTALL);
    private static final Pattern ACTION = Pattern.compile("action=\"([^\"]+)\"");

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_1_1).build(); // as browsers: no h2c upgrade
    private final Map<String, Map<String, String>> jar = new ConcurrentHashMap<>();
    private final URI base;

    public WebSession(URI base) {
        this.base = base;
    }

    /** Opens {@code path} (a protected page), signs in on Keycloak's form, and returns the page finally shown. */
    public static WebSession login(URI base, String path, String username, String password) {
        WebSession s = new WebSession(base);
        Page login = s.get(path);
        if (!login.body().contains("kc-form-login")) {
            throw new AssertionError("expected Keycloak's login form, got " + login.status() + " at " + login.uri());
        }
        Page after = s.submitLogin(login, username, password);
        if (after.body().contains("kc-form-login")) {
            throw new AssertionError("Keycloak refused the login of " + username);
        }
        return s;
    }

    public Page submitLogin(Page loginPage, String username, String password) {
        Matcher form = LOGIN_FORM.matcher(loginPage.body());
        if (!form.find()) {
            throw new AssertionError("no login form on " + loginPage.uri());
        }
        Matcher action = ACTION.matcher(form.group());
        if (!action.find()) {
            throw new AssertionError("login form without action");
        }
        URI target = loginPage.uri().resolve(action.group(1).replace("&amp;", "&"));
        return send(HttpRequest.newBuilder(target).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("username", username, "password", password,
                        "credentialId", "")))), true);
    }

    public Page get(String pathOrUrl) {
        return send(HttpRequest.newBuilder(resolve(pathOrUrl)).GET(), true);
    }

    /** GET without following redirects. */
    public Page getNoFollow(String pathOrUrl) {
        return send(HttpRequest.newBuilder(resolve(pathOrUrl)).GET(), false);
    }

    public Page postForm(String pathOrUrl, Map<String, String> fields) {
        return send(HttpRequest.newBuilder(resolve(pathOrUrl)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(fields))), true);
    }

    public Page postFormNoFollow(String pathOrUrl, Map<String, String> fields) {
        return send(HttpRequest.newBuilder(resolve(pathOrUrl)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(fields))), false);
    }

    /**
     * POSTs a multipart form as a browser does: text fields, and one file field ({@code fileField}, skipped when
     * {@code fileName} is null) without following redirects.
     */
    public Page postMultipart(String pathOrUrl, Map<String, String> fields, String fileField, String fileName,
                              byte[] content) {
        String boundary = "----sirocco" + Long.toHexString(System.nanoTime());
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        for (var f : fields.entrySet()) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.getKey()
                    + "\"\r\n\r\n" + f.getValue() + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        if (fileName != null) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + fileField
                    + "\"; filename=\"" + fileName + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            body.writeBytes(content);
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return send(HttpRequest.newBuilder(resolve(pathOrUrl))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())), false);
    }

    /** POSTs a JSON body with extra headers, without following redirects (the console's script calls). */
    public Page postJson(String pathOrUrl, String json, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(resolve(pathOrUrl)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        headers.forEach(b::header);
        return send(b, false);
    }

    /** The cookies this session holds for the app. */
    public Map<String, String> appCookies() {
        return Map.copyOf(jar.getOrDefault(authority(base), Map.of()));
    }

    public void dropCookie(String name) {
        jar.getOrDefault(authority(base), new LinkedHashMap<>()).remove(name);
    }

    private URI resolve(String pathOrUrl) {
        return pathOrUrl.startsWith("http") ? URI.create(pathOrUrl) : base.resolve(pathOrUrl);
    }

    private Page send(HttpRequest.Builder request, boolean follow) {
        HttpRequest req = withCookies(request).build();
        for (int hop = 0; hop < 20; hop++) {
            HttpResponse<String> r;
            try {
                r = http.send(req, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            store(req.uri(), r.headers().allValues("set-cookie"));
            String location = r.headers().firstValue("location").orElse(null);
            if (!follow || location == null || r.statusCode() < 300 || r.statusCode() >= 400) {
                return new Page(r.statusCode(), req.uri(), r.body(), r.headers().map());
            }
            req = withCookies(HttpRequest.newBuilder(req.uri().resolve(location)).GET()).build();
        }
        throw new AssertionError("too many redirects");
    }

    private HttpRequest.Builder withCookies(HttpRequest.Builder b) {
        HttpRequest probe = b.copy().build();
        Map<String, String> cookies = jar.getOrDefault(authority(probe.uri()), Map.of());
        if (!cookies.isEmpty()) {
            b.setHeader("Cookie", cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining("; ")));
        }
        return b;
    }

    private void store(URI uri, List<String> setCookies) {
        Map<String, String> cookies = jar.computeIfAbsent(authority(uri), k -> new LinkedHashMap<>());
        for (String header : setCookies) {
            String pair = header.split(";", 2)[0];
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String name = pair.substring(0, eq).strip();
            String value = pair.substring(eq + 1).strip();
            String lower = header.toLowerCase();
            if (value.isEmpty() || lower.contains("max-age=0") || lower.contains("expires=thu, 01 jan 1970")) {
                cookies.remove(name);
            } else {
                cookies.put(name, value);
            }
        }
    }

    private static String authority(URI uri) {
        return uri.getHost() + ":" + uri.getPort();
    }

    static String form(Map<String, String> fields) {
        return fields.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue() == null ? "" : e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }
}
