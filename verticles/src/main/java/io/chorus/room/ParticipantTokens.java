package io.chorus.room;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * Server-issued participant tokens: {@code base64url(payload).base64url(HMAC-SHA256)}, the payload
 * binding room, participant and the role at issue time. A token proves who is speaking; whether
 * that participant is the host right now is checked against the room state (the role can be handed over).
 */
public final class ParticipantTokens {
  private static final Base64.Encoder ENC = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DEC = Base64.getUrlDecoder();

  private final byte[] secret;
  private final long ttlMs;

  public record Identity(String roomId, String participantId, String role) {
  }

  public ParticipantTokens(String secret, long ttlMs) {
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
    this.ttlMs = ttlMs;
  }

  public String issue(String roomId, String participantId, String role) {
    long now = System.currentTimeMillis();
    JsonObject payload = new JsonObject().put("r", roomId).put("p", participantId).put("role", role)
        .put("iat", now).put("exp", now + ttlMs);
    String body = ENC.encodeToString(payload.encode().getBytes(StandardCharsets.UTF_8));
    return body + "." + ENC.encodeToString(sign(body));
  }

  /** The identity in a valid, unexpired token for {@code roomId}; UNAUTHENTICATED otherwise. */
  public Identity verify(String token, String roomId) {
    if (token == null || token.isBlank()) {
      throw new ChorusException(ErrorCode.UNAUTHENTICATED, "participant token required");
    }
    int dot = token.indexOf('.');
    if (dot <= 0 || dot == token.length() - 1 || token.length() > 4096) {
      throw new ChorusException(ErrorCode.UNAUTHENTICATED, "malformed participant token");
    }
    String body = token.substring(0, dot);
    byte[] sig;
    JsonObject payload;
    try {
      sig = DEC.decode(token.substring(dot + 1));
      payload = new JsonObject(new String(DEC.decode(body), StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      throw new ChorusException(ErrorCode.UNAUTHENTICATED, "malformed participant token");
    }
    if (!MessageDigest.isEqual(sig, sign(body))) {
      throw new ChorusException(ErrorCode.UNAUTHENTICATED, "participant token signature is invalid");
    }
    if (payload.getLong("exp", 0L) < System.currentTimeMillis()) {
      throw new ChorusException(ErrorCode.UNAUTHENTICATED, "participant token expired");
    }
    if (roomId != null && !roomId.equals(payload.getString("r"))) {
      throw new ChorusException(ErrorCode.FORBIDDEN, "participant token is for another room");
    }
    return new Identity(payload.getString("r"), payload.getString("p"), payload.getString("role"));
  }

  /** When a token {@link #verify} accepted expires (epoch ms): live subscriptions made with it end then. */
  public long expiresAt(String token) {
    String body = token.substring(0, token.indexOf('.'));
    return new JsonObject(new String(DEC.decode(body), StandardCharsets.UTF_8)).getLong("exp", 0L);
  }

  private byte[] sign(String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(body.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
