package io.sirocco.accounts.web;

import io.sirocco.accounts.Member;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.core.NewCookie;

import java.util.List;
import java.util.Optional;

/**
 * Which of a person's organizations the console shows them: the one they last chose with the navigation's switcher
 * (cookie {@value #COOKIE}, an org id), while they are still a member of it; else their oldest membership. The
 * cookie only picks among the memberships in the database, so it can never open an org the person is not in.
 * The console pages ({@code ConsoleCaller}), the navigation ({@link Viewer}) and the playground all ask here.
 */
public final class ChosenOrg {
    public static final String COOKIE = "sirocco_org";

    private ChosenOrg() {
    }

    /** The chosen membership among the person's memberships (oldest first), or empty when they have none. */
    public static Optional<Member> among(List<Member> memberships, String cookieValue) {
        if (cookieValue != null) {
            for (Member m : memberships) {
                if (m.orgId().toString().equalsIgnoreCase(cookieValue.strip())) {
                    return Optional.of(m);
                }
            }
        }
        return memberships.stream().findFirst();
    }

    /** The chosen membership for this request's cookie. */
    public static Optional<Member> among(List<Member> memberships, HttpServerRequest request) {
        Cookie c = request == null ? null : request.getCookie(COOKIE);
        return among(memberships, c == null ? null : c.getValue());
    }

    /** The cookie that makes {@code m}'s org the chosen one (HttpOnly; it names an org, it grants nothing). */
    public static NewCookie cookie(Member m) {
        return new NewCookie.Builder(COOKIE).value(m.orgId().toString()).path("/").httpOnly(true)
                .sameSite(NewCookie.SameSite.LAX).build();
    }
}
