package io.sirocco.site;

import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import io.sirocco.http.BaseUrl;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import org.commonmark.Extension;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.ext.heading.anchor.HeadingAnchorExtension;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/** {@code /docs}: the API guide ({@code docs/api.md}, packaged under {@code docs/}) as HTML with a table of contents. */
@Path("/docs")
@Produces(MediaType.TEXT_HTML)
@ApplicationScoped
public class Docs {

    /** One entry of the table of contents: a section (level 2) or subsection (level 3) and its anchor. */
    public record TocEntry(int level, String id, String title) {
    }

    /** A rendered document: its HTML body and its contents. */
    record Rendered(String html, List<TocEntry> toc) {
    }

    private static final Pattern HEADING = Pattern.compile("<h([23]) id=\"([^\"]+)\">(.*?)</h\\1>");
    private static final Pattern TAG = Pattern.compile("<[^>]+>");

    @Inject
    @Location("docs.html")
    Template page;

    private volatile Rendered api;

    @GET
    public TemplateInstance apiGuide(@Context UriInfo uri) {
        Rendered r = api;
        if (r == null) {
            api = r = render(read("docs/api.md"));
        }
        return page.data("html", withBaseUrl(r.html(), BaseUrl.of(uri))).data("toc", r.toc());
    }

    /**
     * The guide's examples call {@code $SIROCCO}, set once at the top to {@value BaseUrl#FALLBACK}: set it to the base
     * URL this visitor reached us by instead, so the examples run as shown. ({@link BaseUrl} lets through only a
     * scheme, host and port, which need no HTML escaping.)
     */
    static String withBaseUrl(String html, String baseUrl) {
        return html.replace("SIROCCO=" + BaseUrl.FALLBACK, "SIROCCO=" + baseUrl);
    }

    /** Markdown (GitHub tables, heading anchors as on GitHub, so the guide's own links work) to HTML. */
    static Rendered render(String markdown) {
        List<Extension> extensions = List.of(TablesExtension.create(), HeadingAnchorExtension.create());
        String html = HtmlRenderer.builder().extensions(extensions).build()
                .render(Parser.builder().extensions(extensions).build().parse(markdown));
        List<TocEntry> toc = HEADING.matcher(html).results()
                .map(m -> new TocEntry(Integer.parseInt(m.group(1)), m.group(2), TAG.matcher(m.group(3)).replaceAll("")))
                .toList();
        return new Rendered(html, toc);
    }

    private static String read(String resource) {
        try (InputStream in = Docs.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not packaged");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
