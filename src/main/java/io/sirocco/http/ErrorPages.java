package io.sirocco.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.quarkus.security.AuthenticationFailedException;
import io.sirocco.billing.DatabaseOutage;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every refusal outside /v1 gets a body: the JSON error shape under /api (what the /v1 API answers too), a short
 * page elsewhere. RESTEasy's own refusals (404 for an id that is not a UUID, 405, 415, 400 for unreadable JSON) and
 * the security layer's 401/403 on the bearer API otherwise answer with an empty body; JSON failures are described
 * by {@link JsonProblems}, never by the parser's message. The /v1 API has its own mapper (gateway.ErrorResponses).
 */
@ApplicationScoped
public class ErrorPages {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(ErrorPages.class);

    /** Bodies the JAX-RS layer refused before a resource ran (a response without entity). */
    @ServerExceptionMapper
    public Response refused(WebApplicationException e, UriInfo uri) {
        Response original = e.getResponse();
        if (original == null) {
            return respond(uri.getPath(), 500, codeOf(500), messageOf(500), null);
        }
        int status = original.getStatus();
        if (original.hasEntity() || status < 400) { // redirects and answers with a body stay as they are
            return original;
        }
        Response body = respond(uri.getPath(), status, codeOf(status), messageOf(status), null);
        return Response.fromResponse(original).type(body.getMediaType()).entity(body.getEntity()).build();
    }

    /** Ahead of Quarkus's built-in mapper for mismatched input, which answers with an empty body. */
    @ServerExceptionMapper(value = {JacksonException.class, MismatchedInputException.class}, priority = Priorities.USER - 100)
    public Response unreadableJson(JacksonException e, UriInfo uri) {
        JsonProblems.Problem p = JsonProblems.of(e);
        return respond(uri.getPath(), 400, p.malformed() ? "invalid_json" : "invalid_value", p.message(), p.param());
    }

    /**
     * Anything else a resource throws: a database that is away is a 503 with Retry-After (the page or call can be
     * retried); other failures are logged and answered 500 with a body that says nothing of the code.
     */
    @ServerExceptionMapper(priority = Priorities.USER + 100)
    public Response unexpected(RuntimeException e, UriInfo uri) {
        if (DatabaseOutage.causedBy(e)) {
            LOG.warnf("%s: the database is unavailable: %s", uri.getPath(), e.getMessage());
            return Response.fromResponse(respond(uri.getPath(), 503, "database_unavailable",
                    "the service's database is unavailable; please retry in a few seconds", null)).header("Retry-After", "5").build();
        }
        LOG.errorf(e, "%s failed", uri.getPath());
        return respond(uri.getPath(), 500, "server_error", "the service failed on this request", null);
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, UriInfo uri) {
        return respond(uri.getPath(), 403, "forbidden", "your account's role does not allow this", null);
    }

    /**
     * The bearer API's 401s, which the security layer answers with an empty body: a call without a bearer token is
     * answered here before authentication, and a token that is not valid fails authentication into the failure handler.
     */
    void install(@Observes Router router) {
        router.route("/api/*").order(Integer.MIN_VALUE + 2).handler(this::requireBearer);
        router.route("/api/*").order(Integer.MIN_VALUE + 2).failureHandler(this::authFailure);
    }

    private void requireBearer(RoutingContext rc) {
        String path = rc.normalizedPath();
        boolean bearerApi = path.startsWith("/api/admin/") || path.startsWith("/api/console/") || path.equals("/api/admin")
                || path.equals("/api/console");
        String auth = rc.request().getHeader("Authorization");
        if (!bearerApi || auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            rc.next();
            return;
        }
        rc.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer realm=\"sirocco\"")
                .putHeader("Content-Type", "application/json")
                .end(json(401, "unauthorized", "a bearer access token is required (Authorization: Bearer <token>)", null));
    }

    private void authFailure(RoutingContext rc) {
        Throwable f = rc.failure();
        if (rc.response().headWritten() || !(f instanceof AuthenticationFailedException || f instanceof UnauthorizedException)) {
            rc.next();
            return;
        }
        rc.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer realm=\"sirocco\", error=\"invalid_token\"")
                .putHeader("Content-Type", "application/json")
                .end(json(401, "invalid_token", "the bearer access token is not valid (expired, or not from this realm)", null));
    }

    private static Response respond(String path, int status, String code, String message, String param) {
        if (isApi(path)) {
            return Response.status(status).type(MediaType.APPLICATION_JSON).entity(json(status, code, message, param)).build();
        }
        String html = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + status + "</title>"
                + "<link rel=\"stylesheet\" href=\"/static/sirocco.css\"></head><body><main><h1>" + title(status)
                + "</h1><p>" + escape(message) + "</p><p><a href=\"/\">Home</a></p></main></body></html>";
        return Response.status(status).type("text/html; charset=utf-8").entity(html).build();
    }

    private static boolean isApi(String path) {
        return path.startsWith("/api/") || path.equals("/api");
    }

    /** The JSON error shape of the whole service: {"object":"error","error":{message,type,param,code}}. */
    static String json(int status, String code, String message, String param) {
        JsonObject error = new JsonObject().put("message", message)
                .put("type", status >= 500 ? "server_error" : "invalid_request_error").put("param", param).put("code", code);
        return new JsonObject().put("object", "error").put("error", error).encode();
    }

    private static String codeOf(int status) {
        return switch (status) {
            case 400 -> "bad_request";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 406 -> "not_acceptable";
            case 413 -> "body_too_large";
            case 415 -> "unsupported_media_type";
            default -> status >= 500 ? "server_error" : "invalid_request";
        };
    }

    private static String messageOf(int status) {
        return switch (status) {
            case 400 -> "the request could not be read";
            case 401 -> "sign-in is required";
            case 403 -> "not allowed";
            case 404 -> "not found (check the path and that every id in it is well formed)";
            case 405 -> "this method is not allowed on this path";
            case 406 -> "no acceptable representation; accept application/json or text/html";
            case 413 -> "the request body is too large";
            case 415 -> "unsupported content type; send application/json (UTF-8) or a form";
            default -> status >= 500 ? "the service failed on this request" : "the request was refused";
        };
    }

    private static String title(int status) {
        return switch (status) {
            case 403 -> "Not allowed";
            case 404 -> "Not found";
            default -> status >= 500 ? "Something went wrong" : "Request refused";
        };
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
