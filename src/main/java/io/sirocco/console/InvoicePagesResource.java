package io.sirocco.console;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.sirocco.accounts.Permission;
import io.sirocco.billing.Invoice;
import io.sirocco.billing.web.InvoiceDownloads;
import io.sirocco.billing.Invoices;
import io.sirocco.billing.Months;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Instant;
import java.util.UUID;

/** The customer's invoices (role customer): the running month's draft, issued invoices, PDF and CSV. */
@Path("/console/invoices")
@RolesAllowed("customer")
public class InvoicePagesResource {

    @CheckedTemplate(basePath = "console", defaultName = CheckedTemplate.HYPHENATED_ELEMENT_NAME)
    static class Templates {
        static native TemplateInstance invoices(Invoice draft, java.util.List<Invoices.Summary> issued);

        static native TemplateInstance invoicesView(Invoice invoice);
    }

    @Inject
    Invoices invoices;
    @Inject
    ConsoleCaller caller;

    @GET
    @Produces(MediaType.TEXT_HTML)
    public TemplateInstance list() {
        UUID org = caller.primary(Permission.INVOICES).orgId();
        return Templates.invoices(invoices.draft(org, Months.of(Instant.now())), invoices.list(org, 120));
    }

    @GET
    @Path("/{id}")
    @Produces(MediaType.TEXT_HTML)
    public TemplateInstance view(@PathParam("id") UUID id) {
        return Templates.invoicesView(own(id));
    }

    @GET
    @Path("/{id}/pdf")
    @Produces("application/pdf")
    public Response pdf(@PathParam("id") UUID id) {
        return InvoiceDownloads.pdf(own(id));
    }

    @GET
    @Path("/{id}/csv")
    @Produces("text/csv")
    public Response csv(@PathParam("id") UUID id) {
        return InvoiceDownloads.csv(own(id));
    }

    /** Another org's invoice answers 404, exactly like a missing one. */
    private Invoice own(UUID id) {
        return invoices.get(id, caller.primary(Permission.INVOICES).orgId()).orElseThrow(() -> new NotFoundException("no such invoice"));
    }
}
