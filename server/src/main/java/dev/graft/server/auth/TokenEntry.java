package dev.graft.server.auth;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

/**
 * One API token as configured: who it belongs to, its role, and the SHA-256 of the token (never the
 * token itself). {@code graft token new} prints both.
 */
public record TokenEntry(
    @JsonProperty("name") @NotBlank String name,
    @JsonProperty("role") @NotNull Role role,
    @JsonProperty("sha256")
        @NotNull
        @Pattern(
            regexp = "^[0-9a-f]{64}$",
            message = "must be 64 lower-case hex digits (SHA-256 of the token)")
        String sha256) {}
