package io.sirocco.http;

import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;

class BaseUrlTest {

    @Test
    void keepsSchemeHostAndANonDefaultPort() {
        assertEquals("https://api.example.eu", BaseUrl.of(URI.create("https://api.example.eu:443/")));
        assertEquals("http://localhost:8081", BaseUrl.of(URI.create("http://localhost:8081/")));
        assertEquals("http://[::1]:8080", BaseUrl.of(URI.create("http://[::1]:8080/")));
    }

    @Test
    void anythingElseFallsBackToTheDefault() {
        assertEquals(BaseUrl.FALLBACK, BaseUrl.of(URI.create("ftp://example.eu/")));
        assertEquals(BaseUrl.FALLBACK, BaseUrl.of(URI.create("http://user@exa_mple.eu/")));
    }
}
