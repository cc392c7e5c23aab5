package io.sirocco.gateway.dispatch;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sirocco.billing.UsageEvent;
import io.smallrye.reactive.messaging.MessageConverter;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;

/**
 * Scaled out, usage events arrive from RabbitMQ as JSON bytes: this turns them back into {@link UsageEvent}s for
 * the billing consumer (single node never needs it: the channel is in memory).
 */
@ApplicationScoped
public class UsageEventConverter implements MessageConverter {

    @Inject
    ObjectMapper json;

    @Override
    public boolean canConvert(Message<?> in, Type target) {
        Object p = in.getPayload();
        return target == UsageEvent.class && (p instanceof byte[] || p instanceof Buffer || p instanceof JsonObject
                || p instanceof String || p instanceof io.vertx.mutiny.core.buffer.Buffer);
    }

    @Override
    public Message<?> convert(Message<?> in, Type target) {
        Object p = in.getPayload();
        String text = switch (p) {
            case byte[] b -> new String(b, StandardCharsets.UTF_8);
            case Buffer b -> b.toString(StandardCharsets.UTF_8);
            case io.vertx.mutiny.core.buffer.Buffer b -> b.toString(StandardCharsets.UTF_8.name());
            case JsonObject o -> o.encode();
            default -> p.toString();
        };
        try {
            return in.withPayload(json.readValue(text, UsageEvent.class));
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable usage event: " + e.getMessage(), e);
        }
    }
}
