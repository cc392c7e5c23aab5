package io.sirocco.gateway;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Bounds each connection's kernel send buffer ({@code sirocco.gateway.send-buffer-bytes}), so backpressure shows. */
@ApplicationScoped
public class SocketBuffers implements HttpServerOptionsCustomizer {
    @Inject
    GatewayConfig config;

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        options.setSendBufferSize(config.sendBufferBytes());
    }

    @Override
    public void customizeHttpsServer(HttpServerOptions options) {
        options.setSendBufferSize(config.sendBufferBytes());
    }
}
