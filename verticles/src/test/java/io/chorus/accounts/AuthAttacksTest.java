package io.chorus.accounts;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.chorus.ChorusNode;
import io.chorus.gateway.NodePorts;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.chorus.testing.WsProbe;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 16's attacks: each gets a clear 4xx and changes nothing. */
class AuthAttacksTest {
  static TestCluster tc;
  static final String SECRET = "auth-attacks-test-secret-0123456789abcdef";
  static final String OLD_SECRET = "auth-attacks-retired-secret-0123456789ab";
  static final int PER_USERNAME = 5;
  static final String ADMIN = "attack-admin";
  static final String ADMIN_PASSWORD = "attack admin password";
  static ChorusNode node;
  static Api api;

  @BeforeAll
  static void start() {
    tc = TestCluster.start(1, Map.of("JWT_SECRET", SECRET, "JWT_KID", "current", "JWT_PREVIOUS_KEYS", "old=" + OLD_SECRET,
        "RATE_LIMIT_LOGIN", 10_000, "RATE_LIMIT_REGISTER", 10_000, "RATE_LIMIT_LOGIN_PER_USERNAME", PER_USERNAME,
        "AUTH_RATE_WINDOW_SECONDS", 600, "ADMIN_USERNAME", ADMIN, "ADMIN_PASSWORD", ADMIN_PASSWORD));
    node = tc.node();
    api = new Api(NodePorts.http(node.vertx()));
  }

  @AfterAll
  static void stop() {
    tc.close();
  }

  static String name(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** A token like ours, signed with {@code secret} under {@code kid}, expiring at {@code exp}. */
  static String forge(String secret, String kid, String sub, Instant exp, String typ) {
    return JWT.create().withKeyId(kid).withIssuer("chorus").withSubject(sub).withClaim("typ", typ).withClaim("name", "x")
        .withClaim("roles", java.util.List.of("user", "admin")).withClaim("sid", UUID.randomUUID().toString())
        .withIssuedAt(new Date()).withExpiresAt(Date.from(exp)).sign(Algorithm.HMAC256(secret));
  }

  static String b64(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void badTokensAreRefusedAndChangeNothing() {
    JsonObject victim = api.newUser(name("victim"));
    String id = victim.getJsonObject("user").getString("id");
    Instant later = Instant.now().plusSeconds(600);
    String wrongKey = forge("someone-elses-secret-0123456789abcdefgh", "current", id, later, "access");
    String expired = forge(SECRET, "current", id, Instant.now().minusSeconds(60), "access");
    String notAccess = forge(SECRET, "current", id, later, "refresh");
    String none = b64("{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"current\"}") + "."
        + b64("{\"iss\":\"chorus\",\"sub\":\"" + id + "\",\"typ\":\"access\",\"sid\":\"" + UUID.randomUUID() + "\",\"exp\":"
        + later.getEpochSecond() + "}") + ".";
    String tampered = victim.getString("access_token").replaceFirst("\\.[^.]+\\.", "." + b64("{\"iss\":\"chorus\",\"sub\":\"" + id
        + "\",\"typ\":\"access\",\"roles\":[\"admin\"],\"exp\":" + later.getEpochSecond() + "}") + ".");
    for (String bad : new String[] {wrongKey, expired, notAccess, none, tampered, "garbage", "a.b.c", "x".repeat(7_000) + ".y.z"}) {
      assertThat(api.call("PATCH", "/api/v1/users/me", bad, new JsonObject().put("display_name", "pwned")).error(401))
          .as(bad.length() > 60 ? bad.substring(0, 60) : bad).isEqualTo("unauthenticated");
    }
    // a header beyond the server's limit is refused by the HTTP layer itself
    assertThat(api.get("/api/v1/users/me", "x".repeat(20_000)).status()).isEqualTo(431);
    assertThat(api.get("/api/v1/users/me", victim.getString("access_token")).expect(200).json().getString("display_name"))
        .isEqualTo(victim.getJsonObject("user").getString("display_name"));
  }

  /** A token signed with {@code secret} under {@code kid} with exactly these claims (of any JSON type). */
  static String signed(String secret, String kid, JsonObject claims) {
    String content = b64("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}") + "." + b64(claims.encode());
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return content + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A validly signed token with a claim of the wrong type is 401 like any bad token: an {@code exp} that is a string
   * answered 500. (Forging one needs the key; the answer must still be a refusal, not an internal error.)
   */
  @Test
  void aSignedTokenWithAMalformedClaimIs401() {
    JsonObject victim = api.newUser(name("claims"));
    // the claims of the token the node issued, signed again here: the right types verify (the forging is sound)
    JsonObject good = new JsonObject(new String(Base64.getUrlDecoder().decode(victim.getString("access_token").split("\\.")[1]),
        StandardCharsets.UTF_8));
    long later = good.getLong("exp");
    assertThat(api.get("/api/v1/users/me", signed(SECRET, "current", good)).expect(200).json().getString("id"))
        .isEqualTo(victim.getJsonObject("user").getString("id"));
    Map<String, JsonObject> malformed = new java.util.LinkedHashMap<>();
    malformed.put("exp as a string", good.copy().put("exp", Long.toString(later)));
    malformed.put("exp as an object", good.copy().put("exp", new JsonObject().put("at", later)));
    malformed.put("exp missing", good.copy().put("exp", (Object) null));
    malformed.put("iat as a string", good.copy().put("iat", "yesterday"));
    malformed.put("sub as a number", good.copy().put("sub", 42));
    malformed.put("roles as a string", good.copy().put("roles", "admin"));
    malformed.put("sid as an array", good.copy().put("sid", new JsonArray().add("x")));
    malformed.put("name as an object", good.copy().put("name", new JsonObject()));
    malformed.forEach((what, claims) -> {
      Api.Reply r = api.get("/api/v1/users/me", signed(SECRET, "current", claims));
      assertThat(r.status()).as(what).isEqualTo(401);
      assertThat(r.error(401)).as(what).isEqualTo("unauthenticated");
    });
  }

  /**
   * Other spellings of a valid token that a lenient base64 decoder reads as the same bytes: {@code =} padding, the
   * standard alphabet's {@code +} and {@code /}, whitespace, unused low bits set in the signature's last character.
   */
  static Map<String, String> respellings(String token) {
    int dot = token.lastIndexOf('.');
    String signed = token.substring(0, dot + 1);
    String signature = token.substring(dot + 1);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char last = signature.charAt(signature.length() - 1);
    Map<String, String> spellings = new java.util.LinkedHashMap<>();
    spellings.put("padded =", token + "=");
    spellings.put("padded ==", token + "==");
    spellings.put("standard alphabet", signed + signature.replace('-', '+').replace('_', '/') + (signature.matches(".*[-_].*") ? "" : "+"));
    spellings.put("space inside", signed + signature.substring(0, 10) + " " + signature.substring(10));
    spellings.put("unused bits set", signed + signature.substring(0, signature.length() - 1) + alphabet.charAt(alphabet.indexOf(last) ^ 1));
    return spellings;
  }

  @Test
  void aTokenSpelledOtherwiseThanIssuedIsRefused() {
    JsonObject u = api.newUser(name("respelled"));
    String token = u.getString("access_token");
    Map<String, Integer> answers = new java.util.LinkedHashMap<>();
    respellings(token).forEach((how, spelled) -> answers.put(how, api.get("/api/v1/users/me", spelled).status()));
    assertThat(answers).allSatisfy((how, status) -> assertThat(status).as(how).isEqualTo(401));
    assertThat(api.get("/api/v1/users/me", token + "=").error(401)).isEqualTo("unauthenticated");
    assertThat(api.get("/api/v1/users/me", token).expect(200).json().getString("id")).isEqualTo(u.getJsonObject("user").getString("id"));
  }

  @Test
  void aRetiredKeyStillVerifiesDuringRotation() {
    JsonObject u = api.newUser(name("rotate"));
    String id = u.getJsonObject("user").getString("id");
    String withOldKey = forge(OLD_SECRET, "old", id, Instant.now().plusSeconds(300), "access");
    assertThat(api.get("/api/v1/users/me", withOldKey).expect(200).json().getString("id")).isEqualTo(id);
    // and our own tokens carry the current kid
    String header = new String(Base64.getUrlDecoder().decode(u.getString("access_token").split("\\.")[0]), StandardCharsets.UTF_8);
    assertThat(new JsonObject(header).getString("kid")).isEqualTo("current");
    assertThat(new JsonObject(header).getString("alg")).isEqualTo("HS256");
  }

  @Test
  void refreshReplayAfterRotationIsRefused() {
    JsonObject s = api.newUser(name("replay"));
    String r1 = s.getString("refresh_token");
    api.post("/api/v1/auth/refresh", null, new JsonObject().put("refresh_token", r1)).expect(200);
    assertThat(api.post("/api/v1/auth/refresh", null, new JsonObject().put("refresh_token", r1)).error(401)).isEqualTo("unauthenticated");
    assertThat(api.post("/api/v1/auth/refresh", null, new JsonObject().put("refresh_token", "' OR 1=1 --")).error(401)).isEqualTo("unauthenticated");
    assertThat(api.post("/api/v1/auth/refresh", null, new JsonObject()).error(401)).isEqualTo("unauthenticated");
  }

  /** Two refreshes racing with one token: one wins, the other is a reuse, so the whole family ends (row lock, no double rotation). */
  @Test
  void concurrentRefreshesWithOneTokenRotateOnceAndEndTheFamily() throws Exception {
    for (int round = 0; round < 5; round++) {
      JsonObject s = api.newUser(name("race"));
      JsonObject body = new JsonObject().put("refresh_token", s.getString("refresh_token"));
      java.util.concurrent.CompletableFuture<Api.Reply> first = java.util.concurrent.CompletableFuture.supplyAsync(
          () -> api.post("/api/v1/auth/refresh", null, body));
      java.util.concurrent.CompletableFuture<Api.Reply> second = java.util.concurrent.CompletableFuture.supplyAsync(
          () -> api.post("/api/v1/auth/refresh", null, body));
      java.util.List<Api.Reply> replies = java.util.List.of(first.get(30, java.util.concurrent.TimeUnit.SECONDS),
          second.get(30, java.util.concurrent.TimeUnit.SECONDS));
      assertThat(replies.stream().map(Api.Reply::status).sorted().toList()).as("round %d", round).containsExactly(200, 401);
      Api.Reply winner = replies.stream().filter(r -> r.status() == 200).findFirst().orElseThrow();
      // the loser's reuse revoked the family: the winner's new pair is dead too
      assertThat(api.post("/api/v1/auth/refresh", null, new JsonObject().put("refresh_token", winner.json().getString("refresh_token")))
          .error(401)).isEqualTo("unauthenticated");
      assertThat(api.get("/api/v1/users/me", winner.json().getString("access_token")).error(401)).isEqualTo("unauthenticated");
    }
  }

  @Test
  void sqlIshHugeAndLookAlikeUsernames() {
    for (String bad : new String[] {"x' OR '1'='1", "admin'--", "a; DROP TABLE users;", "x".repeat(10 * 1024), "pаypal" /* Cyrillic а */,
        "ali\u200Bce", "bob\u0000"}) {
      assertThat(api.register(bad, "a long enough password").error(400)).as(bad.length() > 40 ? "10 KB" : bad).isEqualTo("invalid_argument");
      assertThat(api.login(bad, "a long enough password").error(401)).isEqualTo("unauthenticated");
    }
    assertThat(api.register(name("big"), "p".repeat(10 * 1024)).error(400)).isEqualTo("invalid_argument");
    JsonObject u = api.newUser(name("searcher"));
    assertThat(api.get("/api/v1/users?q=%27%20OR%201%3D1%20--", u.getString("access_token")).expect(200).json().getJsonArray("users")).isEmpty();

    // full-width letters normalise (NFKC) onto the ASCII name: the same account, not a look-alike one
    String plain = "wide" + UUID.randomUUID().toString().substring(0, 6);
    api.register(plain, "a long enough password").expect(201);
    StringBuilder wide = new StringBuilder();
    plain.chars().forEach(c -> wide.appendCodePoint(Character.isLetterOrDigit(c) ? c - 0x21 + 0xFF01 : c));
    assertThat(api.register(wide.toString(), "a long enough password").error(409)).isEqualTo("already_exists");
    assertThat(api.login(wide.toString(), "a long enough password").expect(200).json().getJsonObject("user").getString("username")).isEqualTo(plain);
  }

  @Test
  void emptyBodiesNulsAndInvisibleOrReorderingDisplayNamesGet400() {
    JsonObject u = api.newUser(name("empty"));
    String token = u.getString("access_token");
    for (String[] c : new String[][] {{"POST", "/api/v1/auth/login"}, {"POST", "/api/v1/auth/register"}, {"PATCH", "/api/v1/users/me"},
        {"PUT", "/api/v1/users/me/password"}, {"POST", "/api/v1/friends/requests"}}) {
      assertThat(api.call(c[0], c[1], token, null).error(400)).as("no body: " + c[1]).isEqualTo("malformed_json");
      assertThat(api.call(c[0], c[1], token, "").error(400)).as("empty body: " + c[1]).isEqualTo("malformed_json");
    }
    for (String q : new String[] {"/api/v1/users?q=a&limit=0", "/api/v1/users?q=a&limit=51", "/api/v1/users?q=a&limit=x", "/api/v1/users?q=%00", "/api/v1/tracks?artist=a%00", "/api/v1/albums?artist=%00", "/api/v1/artists?after=%00"}) {
      assertThat(api.get(q, token).error(400)).as(q).isEqualTo("invalid_argument");
    }
    for (String bad : new String[] {" \u00a0 ", "\u3164", "\u0301", "a\u202eb", "x".repeat(65)}) {
      assertThat(api.call("PATCH", "/api/v1/users/me", token, new JsonObject().put("display_name", bad)).error(400)).as(bad).isEqualTo("invalid_argument");
    }
    assertThat(api.register(name("nfc"), "a long enough password").expect(201).json().getJsonObject("user").getString("display_name")).isNotBlank();
    JsonObject me = api.call("PATCH", "/api/v1/users/me", token, new JsonObject().put("display_name", "  Ame\u0301lie  ")).expect(200).json();
    assertThat(me.toString()).contains("Am\u00e9lie").doesNotContain("\u0301");
    // raw JSON: the escapes reach the server as written (a lone surrogate would not survive the client's UTF-8)
    for (String bad : new String[] {"\\ud800x", "a\\u202eb", "bell\\u0007"}) {
      String body = "{\"bio\":\"" + bad + "\"}";
      assertThat(api.call("PATCH", "/api/v1/users/me", token, body).error(400)).as(body).isEqualTo("invalid_argument");
    }
    assertThat(api.call("PATCH", "/api/v1/users/me", token, new JsonObject().put("bio", "two\nlines")).expect(200).json().toString())
        .contains("two\\nlines");
    // a form's CR LF (and a lone CR) is a line break too, stored as a line feed: it was refused as a control character
    assertThat(api.call("PATCH", "/api/v1/users/me", token, new JsonObject().put("bio", "one\r\ntwo\rthree")).expect(200).json()
        .getString("bio")).isEqualTo("one\ntwo\nthree");
  }

  @Test
  void bruteForceGets429WithRetryAfter() {
    String n = name("brute");
    api.register(n, Api.PW).expect(201);
    for (int i = 0; i < PER_USERNAME; i++) {
      assertThat(api.login(n, "guess number " + i).error(401)).isEqualTo("unauthenticated");
    }
    Api.Reply limited = api.login(n, Api.PW);   // even the right password: the name is locked for the window
    assertThat(limited.error(429)).isEqualTo("rate_limited");
    assertThat(Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 600L);
    // another name is not affected
    String other = name("calm");
    api.register(other, Api.PW).expect(201);
    api.login(other, Api.PW).expect(200);
  }

  @Test
  void aUserCannotReadOrChangeAnothersPrivateData() {
    JsonObject x = api.newUser(name("mallory"));
    JsonObject y = api.newUser(name("target"));
    String tx = x.getString("access_token");
    String idy = y.getJsonObject("user").getString("id");
    JsonObject pub = api.get("/api/v1/users/" + idy, tx).expect(200).json();
    assertThat(pub.fieldNames()).doesNotContain("roles", "disabled", "password_hash", "updated_at");
    assertThat(api.call("PUT", "/api/v1/admin/users/" + idy + "/roles", tx, new JsonObject().put("roles", new JsonArray().add("admin"))).error(403))
        .isEqualTo("forbidden");
    assertThat(api.post("/api/v1/admin/users/" + idy + "/disable", tx, null).error(403)).isEqualTo("forbidden");
    // 403 too when the request would also be refused as invalid: who may ask is decided before what is asked
    String idx = x.getJsonObject("user").getString("id");
    assertThat(api.call("PUT", "/api/v1/admin/users/" + idx + "/roles", tx, new JsonObject().put("roles", new JsonArray())).error(403))
        .isEqualTo("forbidden");
    assertThat(api.call("PUT", "/api/v1/admin/users/" + idy + "/roles", tx, new JsonObject().put("roles", new JsonArray().add("god"))).error(403))
        .isEqualTo("forbidden");
    assertThat(api.call("PUT", "/api/v1/admin/users/" + idy + "/roles", tx, new JsonObject().put("roles", "admin")).error(403))
        .isEqualTo("forbidden");
    assertThat(api.post("/api/v1/admin/users/" + idx + "/disable", tx, null).error(403)).isEqualTo("forbidden");
    assertThat(api.post("/api/v1/admin/users/" + idx + "/enable", tx, null).error(403)).isEqualTo("forbidden");
    // a forged admin claim in a validly signed token does not help either: roles are read from the database
    String forgedAdmin = forge(SECRET, "current", x.getJsonObject("user").getString("id"), Instant.now().plusSeconds(300), "access");
    assertThat(api.post("/api/v1/admin/users/" + idy + "/disable", forgedAdmin, null).error(403)).isEqualTo("forbidden");
    // requests between other people cannot be accepted or declined by a third party
    JsonObject z = api.newUser(name("third"));
    api.post("/api/v1/friends/requests", z.getString("access_token"), new JsonObject().put("user_id", idy)).expect(201);
    String idz = z.getJsonObject("user").getString("id");
    assertThat(api.post("/api/v1/friends/requests/" + idz + "/accept", tx, null).error(404)).isEqualTo("not_found");
    assertThat(api.post("/api/v1/friends/requests/" + idz + "/decline", tx, null).error(404)).isEqualTo("not_found");
    JsonObject still = api.get("/api/v1/friends/requests", y.getString("access_token")).expect(200).json();
    assertThat(still.getJsonArray("incoming")).hasSize(1);
    assertThat(api.get("/api/v1/users/me", y.getString("access_token")).expect(200).json().getJsonArray("roles")).containsExactly("user");
  }

  @Test
  void disablingAUserClosesTheirLiveSocketsAtOnce() {
    String ta = api.login(ADMIN, ADMIN_PASSWORD).expect(200).json().getString("access_token");
    JsonObject u = api.newUser(name("socketed"));
    try (WsProbe ws = WsProbe.connect(api.port(), "/ws/user?token=" + u.getString("access_token"))) {
      ws.awaitType("hello");
      api.post("/api/v1/admin/users/" + u.getJsonObject("user").getString("id") + "/disable", ta, null).expect(200);
      assertThat(ws.awaitClose(5_000)).isEqualTo((short) 4403);
    }
    // and a new socket with the same token is refused before the upgrade
    assertThat(api.get("/ws/user?token=" + u.getString("access_token"), null).error(401)).isEqualTo("unauthenticated");
  }

  /**
   * A user id in capitals names the same user as its lower-case form everywhere, not only in the PostgreSQL look-up:
   * the disable cuts off its access tokens and sockets at once, the enable lets new sign-ins back in.
   */
  @Test
  void aUserIdInCapitalsDisablesAndEnablesTheSameUser() {
    String ta = api.login(ADMIN, ADMIN_PASSWORD).expect(200).json().getString("access_token");
    JsonObject u = api.newUser(name("shouted"));
    String upper = u.getJsonObject("user").getString("id").toUpperCase(java.util.Locale.ROOT);
    String token = u.getString("access_token");
    try (WsProbe ws = WsProbe.connect(api.port(), "/ws/user?token=" + token)) {
      ws.awaitType("hello");
      api.post("/api/v1/admin/users/" + upper + "/disable", ta, null).expect(200);
      assertThat(ws.awaitClose(5_000)).isEqualTo((short) 4403);
    }
    assertThat(api.get("/api/v1/users/me", token).error(401)).isEqualTo("unauthenticated");
    api.post("/api/v1/admin/users/" + upper + "/enable", ta, null).expect(200);
    String fresh = api.login(u.getJsonObject("user").getString("username"), Api.PW).expect(200).json().getString("access_token");
    api.get("/api/v1/users/me", fresh).expect(200);
  }

  /** An admin naming themselves in capitals is still themselves: no dropping their own admin role, no disabling themselves. */
  @Test
  void anAdminCannotDemoteOrDisableThemselvesWithTheirIdInCapitals() {
    String ta = api.login(ADMIN, ADMIN_PASSWORD).expect(200).json().getString("access_token");
    JsonObject h = api.newUser(name("deputy"));
    String id = h.getJsonObject("user").getString("id");
    api.call("PUT", "/api/v1/admin/users/" + id + "/roles", ta, new JsonObject().put("roles", new JsonArray().add("admin"))).expect(200);
    String th = api.login(h.getJsonObject("user").getString("username"), Api.PW).expect(200).json().getString("access_token");
    String upper = id.toUpperCase(java.util.Locale.ROOT);

    assertThat(api.call("PUT", "/api/v1/admin/users/" + upper + "/roles", th, new JsonObject().put("roles", new JsonArray().add("moderator")))
        .error(400)).isEqualTo("invalid_argument");
    assertThat(api.post("/api/v1/admin/users/" + upper + "/disable", th, null).error(400)).isEqualTo("invalid_argument");
    JsonObject me = api.get("/api/v1/users/me", th).expect(200).json();
    assertThat(me.getJsonArray("roles")).contains("admin");
    assertThat(me.getBoolean("disabled")).isFalse();
  }

  /** Enabling a user again gives back sign-in, not the sessions the disable ended (as after a sign-out). */
  @Test
  void enablingAgainDoesNotReviveTheEndedSessions() {
    String ta = api.login(ADMIN, ADMIN_PASSWORD).expect(200).json().getString("access_token");
    JsonObject u = api.newUser(name("revived"));
    String id = u.getJsonObject("user").getString("id");
    String old = u.getString("access_token");
    api.get("/api/v1/users/me", old).expect(200);
    api.post("/api/v1/admin/users/" + id + "/disable", ta, null).expect(200);
    assertThat(api.get("/api/v1/users/me", old).error(401)).isEqualTo("unauthenticated");
    api.post("/api/v1/admin/users/" + id + "/enable", ta, null).expect(200);
    assertThat(api.get("/api/v1/users/me", old).error(401)).as("the disabled session's token stays dead").isEqualTo("unauthenticated");
    String fresh = api.login(u.getJsonObject("user").getString("username"), Api.PW).expect(200).json().getString("access_token");
    api.get("/api/v1/users/me", fresh).expect(200);

    Api.Reply bad = api.call("POST", "/api/v1/auth/login", null, "{bad");
    assertThat(bad.error(400)).isEqualTo("malformed_json");
    assertThat(bad.json().getJsonObject("error").getString("message")).isEqualTo("the body is not valid JSON");
  }
}
