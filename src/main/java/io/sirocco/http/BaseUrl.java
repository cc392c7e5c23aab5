package io.sirocco.http;

import jakarta.ws.rs.core.UriInfo;

import java.net.URI;
import java.util.regex.Pattern;

/**
 * The base URL a visitor reached this server by ({@code scheme://host[:port]}), for the curl examples on /docs and in
 * the playground. It comes from the request (its Host header, or the forwarded headers when
 * {@code quarkus.http.proxy.proxy-address-forwarding} is on), so anything but a plain host and port is replaced by
 * the configured public URL's default.
 */
public final class BaseUrl {
    public static final String FALLBACK = "http://localhost:8080";
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.\\-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}\\]");

    private BaseUrl() {
    }

    public static String of(UriInfo uri) {
        return of(uri.getBaseUri());
    }

    static String of(URI base) {
        String scheme = base.getScheme();
        String host = base.getHost();
        if (!("http".equals(scheme) || "https".equals(scheme)) || host == null || !HOST.matcher(host).matches()) {
            return FALLBACK;
        }
        int port = base.getPort();
        boolean defaultPort = port == -1 || "http".equals(scheme) && port == 80 || "https".equals(scheme) && port == 443;
        return scheme + "://" + host + (defaultPort ? "" : ":" + port);
    }
}
