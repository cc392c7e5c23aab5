package io.sirocco.gateway;

/**
 * An error the API answers with: its HTTP status and the OpenAI/Mistral error fields.
 * Thrown anywhere on the request path; {@link ErrorResponses} writes it.
 */
public class ApiError extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final Long retryAfterSeconds;

    public ApiError(int status, String type, String code, String param, String message, Long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static ApiError malformed(String message) {
        return new ApiError(400, "invalid_request_error", "invalid_json", null, message, null);
    }

    public static ApiError invalid(String param, String message) {
        return new ApiError(422, "invalid_request_error", "invalid_value", param, message, null);
    }

    public static ApiError unknownField(String param) {
        return new ApiError(422, "invalid_request_error", "unknown_field", param,
                "unknown field: " + param, null);
    }

    public static ApiError unauthenticated(String message) {
        return new ApiError(401, "authentication_error", "invalid_api_key", null, message, null);
    }

    public static ApiError forbiddenModel(String model) {
        return new ApiError(403, "permission_error", "model_not_allowed", "model",
                "this API key may not use model " + model, null);
    }

    public static ApiError unknownModel(String model) {
        return new ApiError(404, "not_found_error", "model_not_found", "model", "unknown model: " + model, null);
    }

    public static ApiError notFound(String message) {
        return new ApiError(404, "not_found_error", "not_found", null, message, null);
    }

    public static ApiError methodNotAllowed(String message) {
        return new ApiError(405, "invalid_request_error", "method_not_allowed", null, message, null);
    }

    public static ApiError tooLarge(long limit) {
        return new ApiError(413, "invalid_request_error", "request_too_large", null,
                "request body is larger than " + limit + " bytes", null);
    }

    public static ApiError budget(String message) {
        return new ApiError(402, "billing_error", "budget_exceeded", null, message, null);
    }

    public static ApiError rateLimited(String code, String message, long retryAfterSeconds) {
        return new ApiError(429, "rate_limit_error", code, null, message, Math.max(1, retryAfterSeconds));
    }

    public static ApiError unavailable(String code, String message, long retryAfterSeconds) {
        return new ApiError(503, "service_unavailable_error", code, null, message, retryAfterSeconds);
    }

    public static ApiError internal() {
        return new ApiError(500, "internal_error", "internal_error", null,
                "the server failed to handle this request; it has been logged", null);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }

    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
