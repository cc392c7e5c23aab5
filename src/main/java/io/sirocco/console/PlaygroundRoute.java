package io.sirocco.console;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.sirocco.accounts.ApiKeys;
import io.sirocco.accounts.KeyPrincipal;
import io.sirocco.accounts.AccountsException;
import io.sirocco.accounts.Member;
import io.sirocco.accounts.Permission;
import io.sirocco.accounts.Organizations;
import io.sirocco.accounts.web.Actors;
import io.sirocco.accounts.web.ChosenOrg;
import io.sirocco.accounts.web.Csrf;
import io.sirocco.accounts.web.CsrfRejectedException;
import io.sirocco.gateway.ApiRoutes;
import io.vertx.core.Context;
import io.vertx.core.http.Cookie;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;


/**
 * {@code POST /console/playground/chat}: the playground's calls to {@code /v1/chat/completions}, authenticated by the
 * console session (OIDC cookie, role {@code customer}) instead of a bearer key, and protected against cross-site
 * requests by the console's double-submit CSRF token, sent here in the {@value #CSRF_HEADER} header. The call runs as
 * the member's playground key ({@link ApiKeys#playground}) through the API's own handler, so it is validated,
 * rate-limited, budget-capped, queued, billed and streamed exactly like a call with any key; no secret reaches the
 * browser.
 */
@ApplicationScoped
public class PlaygroundRoute {
    public static final String PATH = "/console/playground/chat";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    private static final Logger LOG = Logger.getLogger(PlaygroundRoute.class);

    @Inject
    ApiRoutes api;
    @Inject
    ApiKeys apiKeys;
    @Inject
    Organizations organizations;
    @Inject
    Csrf csrf;

    /** After Quarkus' authentication and authorization handlers (the session is known), before the REST routes. */
    void mount(@Observes Router router) {
        router.route(PATH).order(RouteConstants.ROUTE_ORDER_BEFORE_DEFAULT).handler(this::chat);
    }

    private void chat(RoutingContext ctx) {
        SecurityIdentity identity = ctx.user() instanceof QuarkusHttpUser u ? u.getSecurityIdentity() : null;
        if (identity == null || identity.isAnonymous()
                || !(identity.getPrincipal() instanceof JsonWebToken jwt) || jwt.getSubject() == null) {
            refuse(ctx, 401, "unauthenticated", "Sign in to the console first.");
            return;
        }
        if (!identity.hasRole("customer")) {
            refuse(ctx, 403, "forbidden", "The playground is for customers.");
            return;
        }
        Cookie cookie = ctx.request().getCookie(Csrf.COOKIE);
        try {
            csrf.verify(cookie == null ? null : cookie.getValue(), ctx.request().getHeader(CSRF_HEADER));
        } catch (CsrfRejectedException e) {
            refuse(ctx, 403, "csrf_rejected", "The page's form token is missing or stale: reload the playground.");
            return;
        }
        String userId = jwt.getSubject();
        String actor = Actors.of(identity);
        Cookie chosen = ctx.request().getCookie(ChosenOrg.COOKIE);
        String chosenOrg = chosen == null ? null : chosen.getValue();
        ctx.request().pause(); // the body stays unread until the API handler takes it
        Context context = ctx.vertx().getOrCreateContext();
        Thread.ofVirtual().name("playground-key").start(() -> {
            KeyPrincipal key;
            try {
                Member m = ChosenOrg.among(organizations.membershipsOf(userId), chosenOrg).orElse(null);
                if (m == null) {
                    context.runOnContext(v -> refuse(ctx, 403, "no_organization",
                            "Your account is not a member of any organization yet. Accept your invitation first."));
                    return;
                }
                if (!m.may(Permission.PLAYGROUND)) {
                    AccountsException no = AccountsException.forbidden(m.orgRole(), Permission.PLAYGROUND);
                    context.runOnContext(v -> refuse(ctx, 403, no.code(), no.getMessage()));
                    return;
                }
                key = apiKeys.playground(m.orgId(), userId, actor);
            } catch (RuntimeException e) {
                LOG.errorf(e, "playground: could not find the caller's key");
                context.runOnContext(v -> refuse(ctx, 503, "unavailable", "The playground is unavailable; retry shortly."));
                return;
            }
            context.runOnContext(v -> api.chatAs(ctx, key));
        });
    }

    /** An error in the API's shape (OpenAI's, with Mistral's {@code "object":"error"}). */
    private static void refuse(RoutingContext ctx, int status, String code, String message) {
        if (ctx.response().ended()) {
            return;
        }
        JsonObject error = new JsonObject().put("message", message).put("type", "invalid_request_error")
                .putNull("param").put("code", code);
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
                .end(new JsonObject().put("object", "error").put("error", error).encode());
    }
}
