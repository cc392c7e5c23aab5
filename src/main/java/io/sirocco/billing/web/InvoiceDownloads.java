package io.sirocco.billing.web;

import io.sirocco.billing.Invoice;
import io.sirocco.billing.InvoiceDocuments;
import jakarta.ws.rs.core.Response;

/** An invoice as a downloaded PDF or CSV attachment, for the admin and the customer invoice pages alike. */
public final class InvoiceDownloads {
    private InvoiceDownloads() {
    }

    public static Response pdf(Invoice inv) {
        return attachment(InvoiceDocuments.pdf(inv), inv, "pdf");
    }

    public static Response csv(Invoice inv) {
        return attachment(InvoiceDocuments.csv(inv), inv, "csv");
    }

    private static Response attachment(Object body, Invoice inv, String ext) {
        return Response.ok(body).header("Content-Disposition",
                "attachment; filename=\"" + InvoiceDocuments.fileName(inv, ext) + "\"").build();
    }
}
