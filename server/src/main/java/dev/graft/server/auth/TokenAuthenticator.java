package dev.graft.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** Checks a bearer token against the configured SHA-256 hashes, in constant time per entry. */
public final class TokenAuthenticator {
  private record Known(Caller caller, byte[] digest) {}

  private final List<Known> tokens;

  public TokenAuthenticator(List<TokenEntry> tokens) {
    // The configured hashes are decoded once here, not on every request.
    this.tokens =
        tokens.stream()
            .map(
                t -> new Known(new Caller(t.name(), t.role()), HexFormat.of().parseHex(t.sha256())))
            .toList();
  }

  public Optional<Caller> authenticate(String token) {
    if (token == null || token.isBlank()) {
      return Optional.empty();
    }
    byte[] presented = HexFormat.of().parseHex(sha256(token.trim()));
    Caller found = null;
    for (Known known : tokens) {
      // Compare against every entry, so the time taken does not tell which one matched.
      if (MessageDigest.isEqual(presented, known.digest()) && found == null) {
        found = known.caller();
      }
    }
    return Optional.ofNullable(found);
  }

  public static String sha256(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JDK", e);
    }
  }

  /** A new random token: "graft_" + 32 bytes of SecureRandom, base64url. */
  public static String newToken() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return "graft_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
