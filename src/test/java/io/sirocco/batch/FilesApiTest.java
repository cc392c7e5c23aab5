package io.sirocco.batch;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.sirocco.gateway.TestKeys;
import io.sirocco.gateway.TestKeys.Key;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** /v1/files: upload, list, retrieve, download, delete; org scoping; purposes; the size limit. */
@QuarkusTest
@TestProfile(BatchProfile.class)
class FilesApiTest {
    @Inject
    TestKeys keys;

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
        given().header("Authorization", key.bearer()).contentType("application/json").body("{}").post("/v1/files")
                .then().statusCode(400);
        given().header("Authorization", key.bearer()).put("/v1/files").then().statusCode(405);
    }
}
