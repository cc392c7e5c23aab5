package io.sirocco.engine.grammar;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.util.List;
import java.util.Set;

/** The independent check: networknt's JSON-Schema validator (2020-12, formats asserted) over Jackson's parse. */
final class Oracle {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();

    private Oracle() {
    }

    /** Validation errors of a document (empty when valid); a parse failure is one error. */
    static List<String> validate(String schema, String document) {
        try {
            Set<ValidationMessage> errors = FACTORY.getSchema(schema, CONFIG).validate(JSON.readTree(document));
            return errors.stream().map(ValidationMessage::getMessage).toList();
        } catch (Exception e) {
            return List.of("not JSON: " + e.getMessage());
        }
    }
}
