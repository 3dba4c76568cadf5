package io.chorus.web;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * The signature of a short-lived signed URL, for every feature that hands one out (a media element cannot send an
 * {@code Authorization} header): HMAC-SHA256 (key: TOKEN_SECRET) of a purpose, which keeps one feature's signature
 * from passing as another's, and the fields the URL carries, joined by line feeds, base64url without padding.
 * The caller decides what the fields are (ids, expiry, who asked) and what a bad or late signature answers.
 */
public final class UrlSignature {
  private final byte[] secret;
  private final String purpose;

  /**
   * One keyed Mac per thread: {@code Mac.getInstance} walks the security providers on every call, which showed
   * in thread dumps of event loops serving hundreds of stream requests per second.
   */
  private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);

  public UrlSignature(String secret, String purpose) {
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
    this.purpose = purpose;
  }

  /** The signature of {@code fields} (each as written; null is not a field value, the caller writes "" for none). */
  public String sign(String... fields) {
    String payload = purpose + "\n" + String.join("\n", fields);
    Mac mac = macs.get();   // doFinal resets it for the next call
    return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
  }

  /** Whether {@code signature} is the one of {@code fields}, compared in constant time; null never matches. */
  public boolean matches(String signature, String... fields) {
    if (signature == null) {
      return false;
    }
    return MessageDigest.isEqual(sign(fields).getBytes(StandardCharsets.US_ASCII), signature.getBytes(StandardCharsets.US_ASCII));
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
