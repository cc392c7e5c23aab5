package io.sirocco.accounts;

import io.quarkus.qute.TemplateData;

import java.util.List;

/** A plan preset: tier access (empty: every model), requests and tokens per minute. */
@TemplateData
public record Plan(String name, int rpmLimit, int tpmLimit, List<String> allowedModels) {
}
