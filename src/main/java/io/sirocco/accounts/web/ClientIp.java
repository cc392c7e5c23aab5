package io.sirocco.accounts.web;

import io.vertx.core.http.HttpServerRequest;

/** The caller's address for rate limiting: the socket peer (honours X-Forwarded-For only if Quarkus proxy support is on). */
final class ClientIp {
    private ClientIp() {
    }

    static String of(HttpServerRequest request) {
        return request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
    }
}
