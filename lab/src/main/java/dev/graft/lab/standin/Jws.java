package dev.graft.lab.standin;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Detached JWS (RFC 7515, HS256) as kubeadm's bootstrap signer writes it into
 * kube-public/cluster-info under "jws-kubeconfig-&lt;token-id&gt;": "header..signature", with
 * header {"alg":"HS256","kid":"&lt;token-id&gt;"}, the kubeconfig as payload and the token secret
 * as the HMAC key.
 */
public final class Jws {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder D64 = Base64.getUrlDecoder();

  private Jws() {}

  public static String signDetached(String payload, String tokenId, String tokenSecret) {
    String header =
        B64.encodeToString(
            ("{\"alg\":\"HS256\",\"kid\":\"" + tokenId + "\"}").getBytes(StandardCharsets.UTF_8));
    return header + ".." + hmac(header, payload, tokenSecret);
  }

  /** As kubeadm's DetachedTokenIsValid: the header names HS256 and this token id, the MAC fits. */
  public static boolean verifyDetached(
      String detached, String payload, String tokenId, String tokenSecret) {
    String[] parts = detached.split("\\.", -1);
    if (parts.length != 3 || !parts[1].isEmpty()) {
      return false;
    }
    String header;
    try {
      header = new String(D64.decode(parts[0]), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return false;
    }
    String compact = header.replace(" ", "");
    if (!compact.contains("\"alg\":\"HS256\"")
        || !compact.contains("\"kid\":\"" + tokenId + "\"")) {
      return false;
    }
    byte[] expected = hmac(parts[0], payload, tokenSecret).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, parts[2].getBytes(StandardCharsets.US_ASCII));
  }

  private static String hmac(String encodedHeader, String payload, String secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      String input =
          encodedHeader + "." + B64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
      return B64.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
