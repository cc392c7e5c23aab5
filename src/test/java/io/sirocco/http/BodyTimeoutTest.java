package io.sirocco.http;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that sends part of a body and stops is answered 408 and disconnected; a client whose whole body waited on
 * the server (slow authentication) is not. Test timeout: {@code %test.sirocco.http.body-timeout}.
 */
@QuarkusTest
class BodyTimeoutTest {

    @Test
    void aPartialBodyIsCutOff() throws Exception {
        for (String path : new String[] {"/v1/chat/completions", "/api/waitlist"}) {
            try (Socket s = new Socket("localhost", RestAssured.port)) {
                s.setSoTimeout(20_000);
                OutputStream out = s.getOutputStream();
                out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 1000\r\n\r\n{\"model\":").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                long start = System.nanoTime();
                InputStream in = s.getInputStream();
                String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8); // until the server closes
                long seconds = (System.nanoTime() - start) / 1_000_000_000L;
                assertTrue(answer.startsWith("HTTP/1.1 408"), path + ": " + answer);
                assertTrue(answer.contains("request_timeout"), answer);
                assertTrue(seconds < 20, path + " held for " + seconds + " s");
            }
        }
    }

    @Test
    void aWholeBodyThatWaitedOnTheServerIsNotCutOff() throws Exception {
        String body = "{\"email\":\"body-timeout-" + System.nanoTime() + "@example.com\",\"name\":\"Slow Server\"}";
        try (Socket s = new Socket("localhost", RestAssured.port)) {
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /api/waitlist HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + SlowAuthentication.HEADER + ": 1\r\nConnection: close\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 2"), "the body arrived at once; the server was slow: " + answer);
        }
    }
}
