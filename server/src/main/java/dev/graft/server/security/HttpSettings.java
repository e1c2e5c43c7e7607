package dev.graft.server.security;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.NotNull;
import java.util.ArrayList;
import java.util.List;

/**
 * How the API and UI are reached. Dropwizard's {@code server:} block is a polymorphic factory that
 * refuses unknown fields, so Graft's own HTTP settings live beside it, in {@code http:}.
 */
public class HttpSettings {
  /**
   * Host names (or addresses) clients may use to reach this server, besides those it binds: the
   * name a TLS proxy forwards, or a DNS name of the machine. A request whose {@code Host} header
   * names anything else is refused (421), which is what defeats DNS rebinding. One string may hold
   * several names separated by commas, so that an environment variable can set them.
   */
  @NotNull
  @JsonProperty
  @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
  private List<String> allowedHosts = new ArrayList<>();

  public List<String> getAllowedHosts() {
    List<String> out = new ArrayList<>();
    for (String entry : allowedHosts) {
      for (String name : entry.split(",")) {
        if (!name.isBlank()) {
          out.add(name.trim());
        }
      }
    }
    return out;
  }
}
