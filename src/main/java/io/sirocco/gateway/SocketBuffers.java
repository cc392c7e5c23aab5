package io.sirocco.gateway;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Bounds each HTTP connection's kernel send buffer ({@code sirocco.gateway.send-buffer-bytes}), so that a client
 * that stops reading fills the connection's write queue within one buffer and {@link TokenStream} sees it.
 */
@ApplicationScoped
public class SocketBuffers implements HttpServerOptionsCustomizer {
    @Inject
    GatewayConfig config;

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        bound(options);
    }

    @Override
    public void customizeHttpsServer(HttpServerOptions options) {
        bound(options);
    }

    private void bound(HttpServerOptions options) {
        if (config.sendBufferBytes() > 0) {
            options.setSendBufferSize(config.sendBufferBytes());
        }
    }
}
