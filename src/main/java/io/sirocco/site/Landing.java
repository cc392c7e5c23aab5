package io.sirocco.site;

import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import io.sirocco.accounts.SignupRequest;
import io.sirocco.billing.PriceBook;
import io.sirocco.billing.Prices;
import io.sirocco.gateway.ModelRegistry;
import io.sirocco.gateway.ModelTier;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** {@code /}: what Sirocco is, the prices in force now (read from the price book on every view), the waitlist form. */
@Path("/")
@Produces(MediaType.TEXT_HTML)
public class Landing {

    /**
     * One model's row: € per 1M tokens as the price book stores them (live, and for batch jobs), and what the loaded
     * model offers.
     */
    public record PriceRow(String model, BigDecimal input, BigDecimal output, BigDecimal cachedInput,
                           BigDecimal batchInput, BigDecimal batchOutput, Integer contextLength, String capabilities) {
    }

    @Inject
    PriceBook priceBook;
    @Inject
    ModelRegistry registry;
    @Inject
    @Location("landing.html")
    Template page;

    @GET
    public TemplateInstance home() {
        return page.data("prices", prices()).data("error", null).data("param", null)
                .data("form", new SignupRequest("", "", "", ""));
    }

    List<PriceRow> prices() {
        Instant now = Instant.now();
        return priceBook.currentAndScheduled().stream().filter(PriceBook.Entry::current).map(e -> {
            Optional<ModelRegistry.Served> served = registry.get(e.model());
            Optional<Prices> batch = priceBook.pricesAt(e.model(), now, true);
            return new PriceRow(e.model(), e.inputEurPerMTok().stripTrailingZeros(),
                    e.outputEurPerMTok().stripTrailingZeros(),
                    e.cachedInputEurPerMTok() == null ? null : e.cachedInputEurPerMTok().stripTrailingZeros(),
                    batch.map(b -> b.inputEurPerMTok().stripTrailingZeros()).orElse(null),
                    batch.map(b -> b.outputEurPerMTok().stripTrailingZeros()).orElse(null),
                    served.map(s -> s.engine().info().contextLength()).orElse(null),
                    served.map(Landing::capabilities).orElse(null));
        }).toList();
    }

    private static String capabilities(ModelRegistry.Served s) {
        if (s.tier().kind() == ModelTier.Kind.EMBEDDINGS) {
            return "embeddings";
        }
        return s.engine().supportsFim() ? "chat, tools, JSON output, fill-in-the-middle" : "chat, tools, JSON output";
    }
}
