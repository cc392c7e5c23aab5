package io.sirocco.console;

import io.quarkus.test.junit.QuarkusTest;
import io.sirocco.accounts.Fixtures;
import io.sirocco.accounts.Organizations;
import io.sirocco.accounts.AccountsTestBase;
import io.sirocco.accounts.Teams;
import io.sirocco.accounts.WebSession;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A person in two organizations switches between them in the navigation: the console then shows the chosen org with
 * the links and refusals of their role there; an org they are not in cannot be chosen, and one they leave falls
 * back to the other. A person in one org sees no switcher.
 */
@QuarkusTest
class OrgSwitcherTest extends AccountsTestBase {
    @Inject
    Organizations organizations;
    @Inject
    Teams teams;

    @Test
    void aMemberOfTwoOrgsSwitchesAndGetsTheRoleOfTheChosenOne() {
        Fixtures.Customer a = customer("switcha");
        Fixtures.Customer b = customer("switchb");
        String aName = organizations.find(a.orgId()).orElseThrow().name();
        String bName = organizations.find(b.orgId()).orElseThrow().name();

        WebSession solo = signIn(b, "/console/keys");
        assertFalse(solo.get("/console/keys").body().contains("org-switch"), "one org: no switcher");

        organizations.addMember(b.orgId(), a.userId(), a.email(), "billing"); // a is owner of A, billing in B
        WebSession s = signIn(a, "/console/keys");
        WebSession.Page keys = s.get("/console/keys");
        assertEquals(200, keys.status());
        assertTrue(keys.body().contains("<label for=\"org-switch\">Organization</label>"), keys.body());
        assertTrue(keys.body().contains("<option value=\"" + a.orgId() + "\" selected>" + aName + " (owner)</option>"),
                keys.body());
        assertTrue(keys.body().contains("<option value=\"" + b.orgId() + "\">" + bName + " (billing)</option>"));
        assertTrue(keys.body().contains("<strong id=\"org-name\">" + aName + "</strong>"));
        String csrf = keys.hidden("csrf");

        WebSession.Page switched = s.postFormNoFollow("/console/org", Map.of("csrf", csrf, "org", b.orgId().toString()));
        assertEquals(303, switched.status());
        WebSession.Page landed = s.get("/console");
        assertEquals("/console/usage", landed.uri().getPath(), "a billing member lands on usage");
        assertTrue(landed.body().contains("<option value=\"" + b.orgId() + "\" selected>"), landed.body());
        assertFalse(landed.body().contains("href=\"/console/keys\""), "billing in B: no keys link");
        assertEquals(403, s.get("/console/keys").status(), "billing in B may not open keys");
        assertEquals(403, s.get("/console/batch").status());
        assertTrue(s.get("/console/invoices").body().contains(bName), "B's invoices");

        assertEquals(404, s.postFormNoFollow("/console/org", Map.of("csrf", csrf, "org", UUID.randomUUID().toString()))
                .status(), "an org the person is not in");
        assertEquals(400, s.postFormNoFollow("/console/org", Map.of("csrf", csrf, "org", "nope")).status());
        assertEquals(403, s.postFormNoFollow("/console/org", Map.of("csrf", "z".repeat(43), "org", a.orgId().toString()))
                .status(), "no form token");
        assertEquals(403, s.get("/console/keys").status(), "still B after the refusals");

        assertEquals(303, s.postFormNoFollow("/console/org", Map.of("csrf", csrf, "org", a.orgId().toString())).status());
        assertEquals(200, s.get("/console/keys").status(), "owner of A again");

        // Chosen B, then removed from B: the console falls back to A.
        assertEquals(303, s.postFormNoFollow("/console/org", Map.of("csrf", csrf, "org", b.orgId().toString())).status());
        teams.remove(b.orgId(), a.userId(), null, "test");
        WebSession.Page back = s.get("/console/keys");
        assertEquals(200, back.status(), "back in A, where a may open keys");
        assertTrue(back.body().contains("<strong id=\"org-name\">" + aName + "</strong>"));
        assertFalse(back.body().contains("org-switch"), "one org left: no switcher");
    }
}
