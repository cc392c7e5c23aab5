package io.sirocco.billing;

import com.lowagie.text.Document;
import com.lowagie.text.DocumentException;
import com.lowagie.text.Element;
import com.lowagie.text.Font;
import com.lowagie.text.FontFactory;
import com.lowagie.text.PageSize;
import com.lowagie.text.Paragraph;
import com.lowagie.text.Phrase;
import com.lowagie.text.pdf.PdfPCell;
import com.lowagie.text.pdf.PdfPTable;
import com.lowagie.text.pdf.PdfWriter;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Renders an invoice as PDF (OpenPDF) and as CSV. Amounts are printed exactly as stored, never recomputed. */
public final class InvoiceDocuments {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC);

    private InvoiceDocuments() {
    }

    public static String fileName(Invoice inv, String ext) {
        return inv.displayNumber() + "-" + inv.period() + "." + ext;
    }

    /** CSV (RFC 4180): one row per line, then subtotal, VAT and total rows. */
    public static String csv(Invoice inv) {
        StringBuilder sb = new StringBuilder();
        sb.append("invoice,period,organization,model,direction,tokens,unit_eur_per_1m_tokens,amount_eur\r\n");
        String head = q(inv.displayNumber()) + ',' + inv.period() + ',' + q(inv.orgName()) + ',';
        for (InvoiceLine l : inv.lines()) {
            sb.append(head).append(q(l.model())).append(',').append(l.direction()).append(',').append(l.tokens())
                    .append(',').append(plain(l.unitEurPerMTok())).append(',')
                    .append(l.amountEur().toPlainString()).append("\r\n");
        }
        sb.append(head).append(",subtotal,,,").append(inv.subtotalEur().toPlainString()).append("\r\n");
        sb.append(head).append(",vat ").append(percent(inv.vatRate())).append(inv.reverseCharge() ? " reverse charge" : "")
                .append(",,,").append(inv.vatEur().toPlainString()).append("\r\n");
        sb.append(head).append(",total,,,").append(inv.totalEur().toPlainString()).append("\r\n");
        return sb.toString();
    }

    private static String q(String s) {
        String v = s == null ? "" : s;
        if (!v.isEmpty() && "=+-@".indexOf(v.charAt(0)) >= 0) {
            v = "'" + v; // keep spreadsheet formulas out of customer-controlled text
        }
        return '"' + v.replace("\"", "\"\"") + '"';
    }

    private static String plain(BigDecimal v) {
        return v.signum() == 0 ? "0" : v.stripTrailingZeros().toPlainString();
    }

    static String percent(BigDecimal rate) {
        return rate.movePointRight(2).stripTrailingZeros().toPlainString() + "%";
    }

    public static byte[] pdf(Invoice inv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Document doc = new Document(PageSize.A4, 48, 48, 48, 48);
        try {
            PdfWriter.getInstance(doc, out);
            doc.addTitle("Invoice " + inv.displayNumber());
            doc.open();
            Font h1 = FontFactory.getFont(FontFactory.HELVETICA_BOLD, 18);
            Font bold = FontFactory.getFont(FontFactory.HELVETICA_BOLD, 10);
            Font normal = FontFactory.getFont(FontFactory.HELVETICA, 10);
            doc.add(new Paragraph("Sirocco — Invoice " + inv.displayNumber(), h1));
            doc.add(new Paragraph("Period: " + inv.period() + (inv.issuedAt() == null ? "" : "    Issued: "
                    + DAY.format(inv.issuedAt())), normal));
            doc.add(new Paragraph("Bill to: " + inv.orgName() + (inv.country() == null ? "" : " (" + inv.country() + ")")
                    + (inv.vatNumber() == null ? "" : ", VAT " + inv.vatNumber()), normal));
            doc.add(new Paragraph(" ", normal));
            PdfPTable t = new PdfPTable(new float[]{3, 1.4f, 2, 2, 1.6f});
            t.setWidthPercentage(100);
            for (String h : new String[]{"Model", "Direction", "Tokens", "€ per 1M tokens", "Amount €"}) {
                t.addCell(new PdfPCell(new Phrase(h, bold)));
            }
            for (InvoiceLine l : inv.lines()) {
                t.addCell(new Phrase(l.model(), normal));
                t.addCell(new Phrase(l.direction(), normal));
                t.addCell(right(Long.toString(l.tokens()), normal));
                t.addCell(right(plain(l.unitEurPerMTok()), normal));
                t.addCell(right(l.amountEur().toPlainString(), normal));
            }
            total(t, "Subtotal", inv.subtotalEur(), bold);
            total(t, "VAT " + percent(inv.vatRate()) + (inv.reverseCharge() ? " (reverse charge)" : ""), inv.vatEur(), bold);
            total(t, "Total", inv.totalEur(), bold);
            doc.add(t);
            if (inv.note() != null) {
                doc.add(new Paragraph(" ", normal));
                doc.add(new Paragraph(inv.note(), normal));
            }
            doc.add(new Paragraph("Amounts in euros, each line rounded half-even to the cent.", normal));
            doc.close();
        } catch (DocumentException e) {
            throw new IllegalStateException("could not render invoice PDF", e);
        }
        return out.toByteArray();
    }

    private static PdfPCell right(String text, Font f) {
        PdfPCell cell = new PdfPCell(new Phrase(text, f));
        cell.setHorizontalAlignment(Element.ALIGN_RIGHT);
        return cell;
    }

    private static void total(PdfPTable t, String label, BigDecimal amount, Font f) {
        PdfPCell l = new PdfPCell(new Phrase(label, f));
        l.setColspan(4);
        t.addCell(l);
        t.addCell(right(amount.toPlainString(), f));
    }
}
