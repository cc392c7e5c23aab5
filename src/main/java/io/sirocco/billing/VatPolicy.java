package io.sirocco.billing;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;

/**
 * Which VAT an invoice carries, from the customer's country and VAT number:
 * same country as the seller: the seller's rate; another EU country with a VAT number (B2B): 0 and reverse
 * charge; another EU country without (B2C): that country's rate; outside the EU: 0, out of scope.
 */
@ApplicationScoped
public class VatPolicy {
    static final String REVERSE_CHARGE_NOTE =
            "Reverse charge: VAT to be accounted for by the recipient (Article 196, Council Directive 2006/112/EC).";
    static final String OUTSIDE_EU_NOTE = "VAT not applicable: services supplied to a customer outside the EU.";

    /** The VAT treatment of one invoice. */
    public record Treatment(String country, BigDecimal rate, boolean reverseCharge, String note) {
    }

    private final String sellerCountry;
    private final Map<String, BigDecimal> euRates;

    public VatPolicy(@ConfigProperty(name = "sirocco.billing.seller-country", defaultValue = "FR") String sellerCountry,
                     @ConfigProperty(name = "sirocco.billing.vat-rates") String vatRates) {
        this.sellerCountry = sellerCountry.trim().toUpperCase();
        this.euRates = parse(vatRates);
        if (!euRates.containsKey(this.sellerCountry)) {
            throw new IllegalStateException("sirocco.billing.vat-rates has no rate for the seller country "
                    + this.sellerCountry);
        }
    }

    /** Parses "FR:0.20,DE:0.19,..." (EU member states and their standard rates). */
    static Map<String, BigDecimal> parse(String spec) {
        Map<String, BigDecimal> rates = new HashMap<>();
        for (String entry : spec.split(",")) {
            String[] kv = entry.trim().split(":");
            if (kv.length != 2 || !kv[0].trim().matches("[A-Za-z]{2}")) {
                throw new IllegalStateException("bad sirocco.billing.vat-rates entry: '" + entry + "'");
            }
            BigDecimal rate = new BigDecimal(kv[1].trim());
            if (rate.signum() < 0 || rate.compareTo(BigDecimal.ONE) >= 0) {
                throw new IllegalStateException("VAT rate out of range in '" + entry + "'");
            }
            rates.put(kv[0].trim().toUpperCase(), rate);
        }
        return rates;
    }

    public Treatment treatment(String customerCountry, String vatNumber) {
        String cc = customerCountry == null ? sellerCountry : customerCountry.toUpperCase();
        boolean business = vatNumber != null && !vatNumber.isBlank();
        if (cc.equals(sellerCountry)) {
            return new Treatment(cc, euRates.get(cc), false, null);
        }
        BigDecimal rate = euRates.get(cc);
        if (rate == null) {
            return new Treatment(cc, BigDecimal.ZERO, false, OUTSIDE_EU_NOTE);
        }
        return business
                ? new Treatment(cc, BigDecimal.ZERO, true, REVERSE_CHARGE_NOTE + " Customer VAT number: " + vatNumber)
                : new Treatment(cc, rate, false, null);
    }
}
