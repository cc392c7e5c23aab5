package io.sirocco.accounts.web;

import io.sirocco.accounts.AccountsException;

import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON error shape shared with the /v1 API: {"object":"error","error":{message,type,param,code}}. */
public final class ErrorBody {
    private ErrorBody() {
    }

    public static Map<String, Object> of(String message, String type, String param, String code) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("object", "error");
        body.put("error", error);
        return body;
    }

    public static Map<String, Object> of(AccountsException e) {
        return of(e.getMessage(), e.status() >= 500 ? "server_error" : "invalid_request_error", e.param(), e.code());
    }
}
