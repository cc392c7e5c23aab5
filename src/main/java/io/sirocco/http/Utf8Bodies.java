package io.sirocco.http;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.ext.ReaderInterceptor;
import jakarta.ws.rs.ext.ReaderInterceptorContext;

import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Entity bodies of the JAX-RS routes (the /api JSON routes) are UTF-8 by {@link Utf8Text}'s rule before a parser sees
 * them: a 400 in plain words otherwise. The /v1 API applies the same rule in its own body reader.
 */
@Provider
public class Utf8Bodies implements ReaderInterceptor {

    @Override
    public Object aroundReadFrom(ReaderInterceptorContext context) throws IOException, WebApplicationException {
        String problem = Utf8Text.charsetProblem(context.getHeaders().getFirst("Content-Type"));
        byte[] body = context.getInputStream().readAllBytes();
        if (problem == null) {
            problem = Utf8Text.problem(body);
        }
        if (problem != null) {
            throw new WebApplicationException(Response.status(400).type(MediaType.APPLICATION_JSON)
                    .entity(ErrorPages.json(400, "invalid_encoding", problem, null)).build());
        }
        context.setInputStream(new ByteArrayInputStream(body));
        return context.proceed();
    }
}
