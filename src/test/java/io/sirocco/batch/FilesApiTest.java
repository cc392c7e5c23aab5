package io.sirocco.batch;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.sirocco.gateway.TestKeys;
import io.sirocco.gateway.TestKeys.Key;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /v1/files: upload, list, retrieve, download, delete; org scoping; purposes; the size limit. */
@QuarkusTest
@TestProfile(BatchProfile.class)
class FilesApiTest {
    @Inject
    TestKeys keys;
    @TestHTTPResource("/")
    URL base;

    static Response upload(Key key, String name, byte[] content, String purpose) {
        return given().header("Authorization", key.bearer())
                .multiPart("purpose", purpose)
                .multiPart("file", name, content, "application/jsonl")
                .post("/v1/files");
    }

    @Test
    void uploadListRetrieveDownloadDelete() {
        Key key = keys.create();
        // more than one 1 MiB store chunk would need a bigger limit; several 64 KiB write chunks are crossed here
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            sb.append("{\"custom_id\":\"r").append(i).append("\",\"body\":{\"messages\":[]}}\n");
        }
        byte[] content = sb.toString().getBytes(StandardCharsets.UTF_8);
        Response up = upload(key, "in.jsonl", content, "batch");
        up.then().statusCode(200).body("id", startsWith("file-")).body("object", equalTo("file"))
                .body("bytes", equalTo(content.length)).body("purpose", equalTo("batch"))
                .body("filename", equalTo("in.jsonl")).body("num_lines", equalTo(3000))
                .body("sample_type", equalTo("batch_request")).body("source", equalTo("upload"));
        String id = up.path("id");

        given().header("Authorization", key.bearer()).get("/v1/files").then().statusCode(200)
                .body("object", equalTo("list")).body("data.id", hasItem(id));
        given().header("Authorization", key.bearer()).get("/v1/files/" + id).then().statusCode(200)
                .body("id", equalTo(id)).body("bytes", equalTo(content.length));
        byte[] down = given().header("Authorization", key.bearer()).get("/v1/files/" + id + "/content")
                .then().statusCode(200).extract().asByteArray();
        assertArrayEquals(content, down);

        Key other = keys.create();
        given().header("Authorization", other.bearer()).get("/v1/files/" + id).then().statusCode(404)
                .body("error.message", containsString(id));
        given().header("Authorization", other.bearer()).get("/v1/files/" + id + "/content").then().statusCode(404);
        given().header("Authorization", other.bearer()).delete("/v1/files/" + id).then().statusCode(404);
        given().header("Authorization", other.bearer()).get("/v1/files").then().statusCode(200)
                .body("data.id", not(hasItem(id)));

        given().header("Authorization", key.bearer()).delete("/v1/files/" + id).then().statusCode(200)
                .body("deleted", equalTo(true)).body("id", equalTo(id));
        given().header("Authorization", key.bearer()).get("/v1/files/" + id).then().statusCode(404);
    }

    @Test
    void refusals() {
        Key key = keys.create();
        byte[] line = "{}\n".getBytes(StandardCharsets.UTF_8);
        upload(key, "a.jsonl", line, "batch_result").then().statusCode(422).body("error.param", equalTo("purpose"))
                .body("error.message", containsString("upload batch input files with purpose batch"));
        upload(key, "a.jsonl", line, "fine-tune").then().statusCode(422)
                .body("error.message", containsString("fine-tuning is not supported"));
        upload(key, "a.jsonl", line, "assistants").then().statusCode(422);
        upload(key, "big.jsonl", new byte[1024 * 1024 + 1], "batch").then().statusCode(413)
                .body("error.code", equalTo("file_too_large"));
        given().multiPart("purpose", "batch").multiPart("file", "a.jsonl", line).post("/v1/files")
                .then().statusCode(401);
        for (int i = 0; i < 10; i++) {
            // refused before the body is read; a small body is read and dropped first, so no client sees a broken pipe
            byte[] body = i % 2 == 0 ? line : new byte[60 * 1024];
            given().multiPart("purpose", "batch").multiPart("file", "a.jsonl", body).post("/v1/files")
                    .then().statusCode(401);
        }
        given().header("Authorization", key.bearer()).contentType("application/json").body("{}").post("/v1/files")
                .then().statusCode(400);
        given().header("Authorization", key.bearer()).put("/v1/files").then().statusCode(405);
    }

    /**
     * An upload has the body timeout (3 s in tests) plus its announced size at {@code sirocco.batch.upload-min-rate}
     * (128 KiB/s in tests): a slow upload longer than the body timeout arrives whole, and one that stalls is still
     * cut with 408 once its allowance is spent.
     */
    @Test
    void aSlowUploadHasTimeInProportionToItsSizeAndAStalledOneIsCut() throws Exception {
        Key key = keys.create();
        // 512 KiB, 64 KiB every 500 ms: about 4 s, within its 3 + 4 s
        long start = System.nanoTime();
        HttpResponse<String> slow = HttpClient.newHttpClient().send(new GeneratedUpload(512 * 1024,
                Duration.ofMillis(500), sent -> { }).request(base, key), HttpResponse.BodyHandlers.ofString());
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(200, slow.statusCode(), slow.body());
        assertTrue(seconds > 3, "slower than the body timeout alone allows: " + seconds + " s");

        // 256 KiB announced (3 + 2 s), a few bytes sent, then nothing
        try (Socket s = new Socket("localhost", RestAssured.port)) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/files HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + key.bearer()
                    + "\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: " + 256 * 1024
                    + "\r\n\r\n--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long stalled = System.nanoTime();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            double held = (System.nanoTime() - stalled) / 1e9;
            assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
            assertTrue(answer.contains("did not arrive within 5 s"), answer);
            assertTrue(held > 4 && held < 30, "cut once its allowance was spent: " + held + " s");
        }
    }
}
