package io.sirocco.gateway.dispatch;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import org.eclipse.microprofile.config.Config;

import java.io.IOException;
import java.util.concurrent.TimeoutException;

/**
 * Where RabbitMQ is: the same {@code rabbitmq-*} settings the SmallRye connector reads
 * ({@code SIROCCO_RABBITMQ_HOST}, {@code _PORT}, {@code _USER}, {@code _PASSWORD}, {@code _VHOST}).
 */
public record RabbitSettings(String host, int port, String username, String password, String virtualHost) {

    public static RabbitSettings from(Config config) {
        return new RabbitSettings(
                config.getOptionalValue("rabbitmq-host", String.class).orElse("127.0.0.1"),
                config.getOptionalValue("rabbitmq-port", Integer.class).orElse(5672),
                config.getOptionalValue("rabbitmq-username", String.class).orElse("guest"),
                config.getOptionalValue("rabbitmq-password", String.class).orElse("guest"),
                config.getOptionalValue("rabbitmq-virtual-host", String.class).orElse("/"));
    }

    /** Opens a connection named after its use (shown in the RabbitMQ management UI). */
    public Connection connect(String name, boolean automaticRecovery) throws IOException {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(host);
        f.setPort(port);
        f.setUsername(username);
        f.setPassword(password);
        f.setVirtualHost(virtualHost);
        f.setAutomaticRecoveryEnabled(automaticRecovery);
        f.setTopologyRecoveryEnabled(automaticRecovery);
        f.setRequestedHeartbeat(10);
        f.setConnectionTimeout(10_000);
        try {
            return f.newConnection(name);
        } catch (TimeoutException e) {
            throw new IOException("RabbitMQ at " + host + ":" + port + " did not answer in time", e);
        }
    }
}
