package io.chorus.room;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Participant tokens without a server: what verifies, and what is refused with which code. */
class ParticipantTokensTest {
  static final String SECRET = "unit-test-secret-0123456789";
  final ParticipantTokens tokens = new ParticipantTokens(SECRET, 60_000);

  static void refused(Runnable call, ErrorCode code, String message) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(ChorusException.class, e -> {
      assertThat(e.code()).isEqualTo(code);
      assertThat(e.getMessage()).contains(message);
    });
  }

  static String b64(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  /** A token signed with {@code secret} over an arbitrary payload: what a holder of the secret could make. */
  static String signed(String secret, String payload) throws Exception {
    String body = b64(payload);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return body + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void anIssuedTokenVerifiesForItsRoom() {
    String token = tokens.issue("ROOM1", "bob", "participant");
    ParticipantTokens.Identity id = tokens.verify(token, "ROOM1");
    assertThat(id).isEqualTo(new ParticipantTokens.Identity("ROOM1", "bob", "participant"));
    // the role at issue time travels with it
    assertThat(tokens.verify(tokens.issue("ROOM1", "h", "host"), "ROOM1").role()).isEqualTo("host");
    // another instance with the same secret (another node) accepts it: nothing is kept in memory
    assertThat(new ParticipantTokens(SECRET, 1).verify(token, "ROOM1")).isEqualTo(id);
  }

  @Test
  void withoutARoomAnyRoomsTokenVerifies() {
    assertThat(tokens.verify(tokens.issue("ROOM2", "bob", "participant"), null).roomId()).isEqualTo("ROOM2");
  }

  @Test
  void aTokenForAnotherRoomIsForbidden() {
    String token = tokens.issue("ROOM1", "bob", "participant");
    refused(() -> tokens.verify(token, "ROOM2"), ErrorCode.FORBIDDEN, "another room");
    // room ids are compared exactly (callers normalise the case first)
    refused(() -> tokens.verify(token, "room1"), ErrorCode.FORBIDDEN, "another room");
  }

  @Test
  void anExpiredTokenIsRefusedBeforeItsRoomIsLookedAt() {
    ParticipantTokens expired = new ParticipantTokens(SECRET, -1_000);
    String token = expired.issue("ROOM1", "bob", "participant");
    refused(() -> tokens.verify(token, "ROOM1"), ErrorCode.UNAUTHENTICATED, "expired");
    refused(() -> tokens.verify(token, "ROOM2"), ErrorCode.UNAUTHENTICATED, "expired");
  }

  @Test
  void expiresAtIsIssueTimePlusTheTtl() {
    long before = System.currentTimeMillis();
    String token = tokens.issue("ROOM1", "bob", "participant");
    long after = System.currentTimeMillis();
    assertThat(tokens.expiresAt(token)).isBetween(before + 60_000, after + 60_000);
  }

  @Test
  void aTamperedTokenIsRefused() {
    String token = tokens.issue("ROOM1", "bob", "participant");
    String body = token.substring(0, token.indexOf('.'));
    String sig = token.substring(token.indexOf('.') + 1);
    // the payload rewritten to another participant, the signature kept
    JsonObject payload = new JsonObject(new String(Base64.getUrlDecoder().decode(body), StandardCharsets.UTF_8)).put("p", "host");
    refused(() -> tokens.verify(b64(payload.encode()) + "." + sig, "ROOM1"), ErrorCode.UNAUTHENTICATED, "signature");
    // the signature changed in its last characters
    String flipped = token.substring(0, token.length() - 2) + (token.endsWith("AA") ? "BB" : "AA");
    refused(() -> tokens.verify(flipped, "ROOM1"), ErrorCode.UNAUTHENTICATED, "participant token");
    // the signature of another token
    String other = tokens.issue("ROOM1", "eve", "participant");
    refused(() -> tokens.verify(body + other.substring(other.indexOf('.')), "ROOM1"), ErrorCode.UNAUTHENTICATED, "signature");
    // signed with another secret
    String foreign = new ParticipantTokens("another-secret-0123456789", 60_000).issue("ROOM1", "bob", "participant");
    refused(() -> tokens.verify(foreign, "ROOM1"), ErrorCode.UNAUTHENTICATED, "signature");
  }

  @Test
  void missingAndMalformedTokensAreUnauthenticated() throws Exception {
    refused(() -> tokens.verify(null, "ROOM1"), ErrorCode.UNAUTHENTICATED, "required");
    refused(() -> tokens.verify("", "ROOM1"), ErrorCode.UNAUTHENTICATED, "required");
    refused(() -> tokens.verify("   ", "ROOM1"), ErrorCode.UNAUTHENTICATED, "required");
    for (String bad : new String[] {"nodot", ".sig", "body.", "%%%.%%%", "e30.!!!"}) {
      refused(() -> tokens.verify(bad, "ROOM1"), ErrorCode.UNAUTHENTICATED, "malformed");
    }
    String token = tokens.issue("ROOM1", "bob", "participant");
    refused(() -> tokens.verify(token + "x".repeat(4097), "ROOM1"), ErrorCode.UNAUTHENTICATED, "malformed");
    // correctly signed, but the payload is not JSON: malformed, not a crash
    refused(() -> tokens.verify(unchecked(() -> signed(SECRET, "not json")), "ROOM1"), ErrorCode.UNAUTHENTICATED, "malformed");
    // correctly signed JSON without an expiry: expired (exp defaults to 0)
    String noExp = signed(SECRET, new JsonObject().put("r", "ROOM1").put("p", "bob").put("role", "host").encode());
    refused(() -> tokens.verify(noExp, "ROOM1"), ErrorCode.UNAUTHENTICATED, "expired");
  }

  interface Failing<T> {
    T get() throws Exception;
  }

  static <T> T unchecked(Failing<T> f) {
    try {
      return f.get();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
