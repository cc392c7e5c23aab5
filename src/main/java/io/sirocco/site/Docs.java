package io.sirocco.site;

import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateData;
import io.quarkus.qute.TemplateInstance;
import io.sirocco.http.BaseUrl;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import org.commonmark.Extension;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.ext.heading.anchor.HeadingAnchorExtension;
import org.commonmark.node.AbstractVisitor;
import org.commonmark.node.Link;
import org.commonmark.node.Node;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code /docs}: the user-facing guides under {@code docs/} (packaged under {@code docs/}) as HTML, one page each,
 * with one navigation that lists every guide and the current guide's contents. Which files are guides is
 * {@link #PAGES}; the others ({@code architecture.md}, {@code engine.md}, {@code benchmarks.md}) are for people
 * working on Sirocco itself and stay in the repository. A link from one guide to another ({@code billing.md#x})
 * goes to that guide's page; a link to a file that is not a guide keeps its text and loses its link.
 */
@Path("/docs")
@Produces(MediaType.TEXT_HTML)
@ApplicationScoped
public class Docs {

    /** A guide: its page ({@code /docs} or {@code /docs/<slug>}), its file under {@code docs/}, its group. */
    @TemplateData
    public record Guide(String slug, String file, String title, String group) {
        public String href() {
            return slug.isEmpty() ? "/docs" : "/docs/" + slug;
        }
    }

    /** The guides in navigation order: what a customer reads, then what someone running their own Sirocco reads. */
    static final List<Guide> PAGES = List.of(
            new Guide("", "api.md", "API guide", "Using the API"),
            new Guide("accounts", "accounts.md", "Accounts, teams and keys", "Using the API"),
            new Guide("billing", "billing.md", "Prices, billing and budgets", "Using the API"),
            new Guide("configuration", "configuration.md", "Configuration", "Running Sirocco"),
            new Guide("operations", "operations.md", "Operations", "Running Sirocco"));

    /** A heading of the navigation and its guides, in order. */
    @TemplateData
    public record Group(String name, List<Guide> guides) {
    }

    static final List<Group> GROUPS = PAGES.stream().map(Guide::group).distinct()
            .map(name -> new Group(name, PAGES.stream().filter(p -> p.group().equals(name)).toList())).toList();

    /** One entry of the table of contents: a section (level 2) or subsection (level 3) and its anchor. */
    @TemplateData
    public record TocEntry(int level, String id, String title) {
    }

    /** A rendered guide: its HTML body and its contents. */
    record Rendered(String html, List<TocEntry> toc) {
    }

    private static final Pattern HEADING = Pattern.compile("<h([23]) id=\"([^\"]+)\">(.*?)</h\\1>");
    private static final Pattern TAG = Pattern.compile("<[^>]+>");
    /** A relative link to a Markdown file beside this one, with an optional anchor. */
    private static final Pattern SIBLING = Pattern.compile("(?:\\./)?([A-Za-z0-9_-]+)\\.md(#.*)?");
    private static final Pattern ABSOLUTE = Pattern.compile("(?i)[a-z][a-z0-9+.-]*:.*|/.*|#.*");

    @Inject
    @Location("docs.html")
    Template page;

    private final Map<String, Rendered> rendered = new ConcurrentHashMap<>();

    @GET
    public TemplateInstance apiGuide(@Context UriInfo uri) {
        return show(PAGES.getFirst(), uri);
    }

    @GET
    @Path("{slug}")
    public TemplateInstance guide(@PathParam("slug") String slug, @Context UriInfo uri) {
        Guide g = PAGES.stream().filter(p -> !p.slug().isEmpty() && p.slug().equals(slug)).findFirst()
                .orElseThrow(NotFoundException::new);
        return show(g, uri);
    }

    private TemplateInstance show(Guide g, UriInfo uri) {
        Rendered r = rendered.computeIfAbsent(g.file(), f -> render(read("docs/" + f)));
        return page.data("html", withBaseUrl(r.html(), BaseUrl.of(uri))).data("toc", r.toc()).data("guide", g)
                .data("groups", GROUPS);
    }

    /**
     * The guides' examples call {@code $SIROCCO}, set once at the top to {@value BaseUrl#FALLBACK}: set it to the base
     * URL this visitor reached us by instead, so the examples run as shown. ({@link BaseUrl} lets through only a
     * scheme, host and port, which need no HTML escaping.)
     */
    static String withBaseUrl(String html, String baseUrl) {
        return html.replace("SIROCCO=" + BaseUrl.FALLBACK, "SIROCCO=" + baseUrl);
    }

    /** Where a link in a guide goes on this site: another guide's page, unchanged, or nowhere (not a guide). */
    static Optional<String> siteHref(String destination) {
        if (ABSOLUTE.matcher(destination).matches()) {
            return Optional.of(destination);
        }
        Matcher m = SIBLING.matcher(destination);
        if (m.matches()) {
            String file = m.group(1) + ".md";
            String anchor = m.group(2) == null ? "" : m.group(2);
            return PAGES.stream().filter(p -> p.file().equals(file)).findFirst().map(p -> p.href() + anchor);
        }
        return Optional.empty();
    }

    /** Markdown (GitHub tables, heading anchors as on GitHub, so the guides' own links work) to HTML. */
    static Rendered render(String markdown) {
        List<Extension> extensions = List.of(TablesExtension.create(), HeadingAnchorExtension.create());
        Node doc = Parser.builder().extensions(extensions).build().parse(markdown);
        List<Link> links = new ArrayList<>();
        doc.accept(new AbstractVisitor() {
            @Override
            public void visit(Link link) {
                links.add(link);
                visitChildren(link);
            }
        });
        for (Link link : links) {
            Optional<String> href = siteHref(link.getDestination());
            if (href.isPresent()) {
                link.setDestination(href.get());
            } else { // keep the words, drop a link that would lead nowhere on this site
                for (Node child = link.getFirstChild(); child != null; ) {
                    Node next = child.getNext();
                    link.insertBefore(child);
                    child = next;
                }
                link.unlink();
            }
        }
        String html = HtmlRenderer.builder().extensions(extensions).build().render(doc);
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
