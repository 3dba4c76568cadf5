package io.chorus.accounts;

import io.chorus.ChorusNode;
import io.chorus.gateway.NodePorts;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 16's REST API on two clustered nodes with the real PostgreSQL and Redis. */
class AccountsRestTest {
  static TestCluster tc;
  static final String ADMIN = "root-admin";
  static final String ADMIN_PASSWORD = "admin password for tests";
  static List<ChorusNode> nodes;
  static Api a;
  static Api b;

  @BeforeAll
  static void start() {
    tc = TestCluster.start(2, Map.of("ADMIN_USERNAME", ADMIN, "ADMIN_PASSWORD", ADMIN_PASSWORD,
        "RATE_LIMIT_LOGIN", 100_000, "RATE_LIMIT_LOGIN_PER_USERNAME", 100_000, "RATE_LIMIT_REGISTER", 100_000,
        "RATE_LIMIT_ROOM_CREATE", 100_000));
    nodes = tc.nodes();
    a = new Api(NodePorts.http(nodes.get(0).vertx()));
    b = new Api(NodePorts.http(nodes.get(1).vertx()));
  }

  @AfterAll
  static void stop() {
    tc.close();
  }

  static String name(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Test
  void registerLoginAndMe() {
    String n = name("Alice");
    Api.Reply reg = a.register(n, "a long enough password").expect(201);
    JsonObject user = reg.json().getJsonObject("user");
    assertThat(user.getString("username")).isEqualTo(n.toLowerCase());
    assertThat(user.getJsonArray("roles")).containsExactly("user");
    assertThat(user.containsKey("password_hash")).isFalse();
    assertThat(reg.json().getInteger("expires_in")).isEqualTo(900);
    assertThat(reg.headers().firstValue("set-cookie").orElse("")).contains("chorus_refresh=").containsIgnoringCase("HttpOnly")
        .containsIgnoringCase("SameSite=Strict");

    // case-insensitive: the same name in capitals is taken, and signs in
    assertThat(a.register(n.toUpperCase(), "another long password").error(409)).isEqualTo("already_exists");
    JsonObject login = b.login(n.toUpperCase(), "a long enough password").expect(200).json();
    assertThat(login.getJsonObject("user").getString("id")).isEqualTo(user.getString("id"));

    JsonObject me = b.get("/api/v1/users/me", login.getString("access_token")).expect(200).json();
    assertThat(me.getString("id")).isEqualTo(user.getString("id"));
    assertThat(a.get("/api/v1/users/me", null).error(401)).isEqualTo("unauthenticated");
  }

  @Test
  void registrationRulesNameTheRule() {
    assertThat(a.register("ab", "a long enough password").json().getJsonObject("error").getString("message")).contains("3-32");
    assertThat(a.register("has space", "a long enough password").error(400)).isEqualTo("invalid_argument");
    assertThat(a.register(name("short"), "short").json().getJsonObject("error").getString("message")).contains("at least 10");
    assertThat(a.register(name("common"), "password123").json().getJsonObject("error").getString("message")).contains("common");
    // a password of 130 emoji is 130 characters (260 UTF-16 units): taken, and it signs in
    String emojiName = name("emoji");
    a.register(emojiName, "😀".repeat(130)).expect(201);
    a.login(emojiName, "😀".repeat(130)).expect(200);
    assertThat(a.post("/api/v1/auth/register", null, "{not json").error(400)).isEqualTo("malformed_json");
    assertThat(a.post("/api/v1/auth/register", null, "[1,2]").error(400)).isEqualTo("malformed_json");
    assertThat(a.post("/api/v1/auth/register", null, new JsonObject().put("username", 5).put("password", "x")).error(400))
        .isEqualTo("invalid_argument");
  }

  @Test
  void wrongPasswordAndUnknownUserGiveTheSame401() {
    String n = name("bob");
    a.register(n, "bob's long password").expect(201);
    Api.Reply wrong = a.login(n, "not bob's password");
    Api.Reply unknown = a.login(name("nobody"), "not bob's password");
    assertThat(wrong.error(401)).isEqualTo("unauthenticated");
    assertThat(unknown.error(401)).isEqualTo("unauthenticated");
    assertThat(wrong.json().getJsonObject("error").getString("message")).isEqualTo(unknown.json().getJsonObject("error").getString("message"));
  }

  /**
   * The refresh cookie lives as long as its session: each rotation set {@code Max-Age} to the whole TTL again (30 days)
   * while the session still ends TTL days after the sign-in, so the cookie outlived every token it could hold.
   */
  @Test
  void theRefreshCookieLivesAsLongAsItsSession() {
    JsonObject s = a.newUser(name("cookie"));
    String uid = s.getJsonObject("user").getString("id");
    assertThat(maxAge(a.login(s.getJsonObject("user").getString("username"), Api.PW).expect(200))).isBetween(30 * 86_400L - 60, 30 * 86_400L);
    // signed in 29 days ago: a day of the session is left
    tc.sql("UPDATE auth_sessions SET expires_at = NOW() + interval '1 day' WHERE user_id = ?::uuid", uid);
    tc.sql("UPDATE refresh_tokens SET expires_at = NOW() + interval '1 day' WHERE user_id = ?::uuid", uid);
    Api.Reply rotated = b.post("/api/v1/auth/refresh", null, new JsonObject().put("refresh_token", s.getString("refresh_token"))).expect(200);
    assertThat(maxAge(rotated)).isBetween(86_400L - 60, 86_400L);
  }

  static long maxAge(Api.Reply r) {
    String cookie = r.headers().firstValue("set-cookie").orElse("");
    assertThat(cookie).startsWith(AccountsRoutes.REFRESH_COOKIE + "=").containsIgnoringCase("Max-Age=");
    return Long.parseLong(cookie.replaceAll("(?i).*Max-Age=(\\d+).*", "$1"));
  }

  @Test
  void refreshRotatesAndReuseRevokesTheFamily() {
    JsonObject s = a.newUser(name("carol"));
    String r1 = s.getString("refresh_token");
    JsonObject second = b.post("/api/v1/auth/refresh", null, new JsonObject().put("refresh_token", r1)).expect(200).json();
    String r2 = second.getString("refresh_token");
    assertThat(r2).isNotEqualTo(r1);
    assertThat(a.get("/api/v1/users/me", second.getString("access_token")).status()).isEqualTo(200);

    // the old token is replayed (a thief): refused, and the whole family ends, including r2 and its access token
    assertThat(a.post("/api/v1/auth/refresh", null, new JsonObject().put("refresh_token", r1)).error(401)).isEqualTo("unauthenticated");
    assertThat(a.post("/api/v1/auth/refresh", null, new JsonObject().put("refresh_token", r2)).error(401)).isEqualTo("unauthenticated");
    assertThat(b.get("/api/v1/users/me", second.getString("access_token")).error(401)).isEqualTo("unauthenticated");
  }

  @Test
  void logoutEndsOneSessionAndLogoutAllEndsEvery() {
    String n = name("dave");
    JsonObject s1 = a.newUser(n);
    JsonObject s2 = a.login(n, Api.PW).expect(200).json();
    JsonObject s3 = b.login(n, Api.PW).expect(200).json();

    a.post("/api/v1/auth/logout", s1.getString("access_token"), null).expect(204);
    assertThat(a.get("/api/v1/users/me", s1.getString("access_token")).status()).isEqualTo(401);
    assertThat(a.post("/api/v1/auth/refresh", null, new JsonObject().put("refresh_token", s1.getString("refresh_token"))).status()).isEqualTo(401);
    assertThat(a.get("/api/v1/users/me", s2.getString("access_token")).status()).isEqualTo(200);

    b.post("/api/v1/auth/logout-all", s2.getString("access_token"), null).expect(204);
    for (JsonObject s : List.of(s2, s3)) {
      assertThat(a.get("/api/v1/users/me", s.getString("access_token")).status()).isEqualTo(401);
      assertThat(b.post("/api/v1/auth/refresh", null, new JsonObject().put("refresh_token", s.getString("refresh_token"))).status()).isEqualTo(401);
    }
    // a refresh token alone also signs out
    JsonObject s4 = a.login(n, Api.PW).expect(200).json();
    a.post("/api/v1/auth/logout", null, new JsonObject().put("refresh_token", s4.getString("refresh_token"))).expect(204);
    assertThat(a.post("/api/v1/auth/refresh", null, new JsonObject().put("refresh_token", s4.getString("refresh_token"))).status()).isEqualTo(401);
    // and so does the refresh cookie alone (the web client's sign-out once its access token has expired)
    JsonObject s5 = a.login(n, Api.PW).expect(200).json();
    java.net.http.HttpResponse<byte[]> out = io.chorus.testing.JdkHttp.exchange(a.port(), "POST", "/api/v1/auth/logout", null,
        Map.of("Cookie", AccountsRoutes.REFRESH_COOKIE + "=" + s5.getString("refresh_token")), null, java.time.Duration.ofSeconds(30));
    assertThat(out.statusCode()).as(new String(out.body(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(204);
    assertThat(out.headers().firstValue("set-cookie").orElse("")).startsWith(AccountsRoutes.REFRESH_COOKIE + "=;").containsIgnoringCase("Max-Age=0");
    assertThat(a.post("/api/v1/auth/refresh", null, new JsonObject().put("refresh_token", s5.getString("refresh_token"))).error(401))
        .isEqualTo("unauthenticated");
    assertThat(a.get("/api/v1/users/me", s5.getString("access_token")).status()).isEqualTo(401);
  }

  /**
   * docs/api.md and RFC 6750: a token in Authorization comes in the Bearer scheme (in any case). A bare token, another
   * scheme or the scheme alone is 401 with the JSON error on every route that takes one, the accounts routes and
   * /ws/user included (they took a bare token), as the library's and the rooms' routes already did.
   */
  @Test
  void theAuthorizationHeaderNeedsTheBearerScheme() {
    String n = name("scheme");
    JsonObject s = a.newUser(n);
    String t = s.getString("access_token");
    String basic = "Basic " + java.util.Base64.getEncoder().encodeToString((n + ":" + Api.PW).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    JsonObject edit = new JsonObject().put("display_name", "Renamed");
    String[][] calls = {{"GET", "/api/v1/users/me"}, {"PATCH", "/api/v1/users/me"}, {"GET", "/api/v1/users?q=sch"}, {"GET", "/api/v1/friends"},
        {"GET", "/api/v1/users/" + s.getJsonObject("user").getString("id")}, {"POST", "/api/v1/auth/logout"}, {"POST", "/api/v1/auth/logout-all"},
        {"GET", "/ws/user"}, {"GET", "/api/v1/me/subsonic/credentials"}, {"GET", "/api/v1/search?q=x"}};
    for (String bad : List.of(t, "Basic " + t, basic, "Token " + t, "Bearer", "Bearer" + t)) {
      for (String[] c : calls) {
        Api.Reply r = a.withAuthorization(c[0], c[1], bad, "PATCH".equals(c[0]) ? edit : null);
        assertThat(r.error(401)).as(c[0] + " " + c[1] + " with Authorization: " + bad.substring(0, Math.min(bad.length(), 20)))
            .isEqualTo("unauthenticated");
      }
    }
    // the scheme's case does not matter
    for (String scheme : List.of("Bearer", "bearer", "BEARER")) {
      a.withAuthorization("GET", "/api/v1/users/me", scheme + " " + t, null).expect(200);
    }
    // none of the refused calls changed anything: the session is alive, the name unchanged
    assertThat(a.get("/api/v1/users/me", t).expect(200).json().getString("display_name")).isNotEqualTo("Renamed");
  }

  /**
   * docs/api.md documents logout's 401 and no idempotence: a session that has already ended is refused like its tokens
   * everywhere else, so a second logout with the same refresh token (body or cookie) or access token is 401, not 204.
   */
  @Test
  void aSecondLogoutWithTheSameTokenIs401() {
    String n = name("ivan");
    JsonObject s1 = a.newUser(n);
    JsonObject refreshBody = new JsonObject().put("refresh_token", s1.getString("refresh_token"));
    a.post("/api/v1/auth/logout", null, refreshBody).expect(204);
    assertThat(a.post("/api/v1/auth/logout", null, refreshBody).error(401)).isEqualTo("unauthenticated");
    assertThat(b.post("/api/v1/auth/logout", null, refreshBody).error(401)).as("on the other node too").isEqualTo("unauthenticated");

    String cookie = AccountsRoutes.REFRESH_COOKIE + "=" + a.login(n, Api.PW).expect(200).json().getString("refresh_token");
    for (int expected : new int[] {204, 401}) {
      java.net.http.HttpResponse<byte[]> out = io.chorus.testing.JdkHttp.exchange(a.port(), "POST", "/api/v1/auth/logout", null,
          Map.of("Cookie", cookie), null, java.time.Duration.ofSeconds(30));
      assertThat(out.statusCode()).as(new String(out.body(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(expected);
      // the dead cookie is cleared either way
      assertThat(out.headers().firstValue("set-cookie").orElse("")).startsWith(AccountsRoutes.REFRESH_COOKIE + "=;").containsIgnoringCase("Max-Age=0");
    }

    String access = a.login(n, Api.PW).expect(200).json().getString("access_token");
    a.post("/api/v1/auth/logout", access, null).expect(204);
    assertThat(a.post("/api/v1/auth/logout", access, null).error(401)).isEqualTo("unauthenticated");

    // a session ended by logout-all cannot be signed out again with its refresh token either
    JsonObject s4 = a.login(n, Api.PW).expect(200).json();
    a.post("/api/v1/auth/logout-all", s4.getString("access_token"), null).expect(204);
    assertThat(a.post("/api/v1/auth/logout", null, new JsonObject().put("refresh_token", s4.getString("refresh_token"))).error(401))
        .isEqualTo("unauthenticated");
  }

  @Test
  void profileUpdateAndPublicView() {
    JsonObject s = a.newUser(name("erin"));
    String token = s.getString("access_token");
    JsonObject me = a.call("PATCH", "/api/v1/users/me", token, new JsonObject().put("display_name", "Erin E.").put("bio", "hi\nthere")).expect(200).json();
    assertThat(me.getString("display_name")).isEqualTo("Erin E.");
    assertThat(me.getString("bio")).isEqualTo("hi\nthere");
    assertThat(a.call("PATCH", "/api/v1/users/me", token, new JsonObject().put("display_name", "x".repeat(65))).error(400)).isEqualTo("invalid_argument");
    assertThat(a.call("PATCH", "/api/v1/users/me", token, new JsonObject()).error(400)).isEqualTo("invalid_argument");
    // a field the call does not change is refused, not silently dropped with the rest applied (200 with the old username)
    Api.Reply unknown = a.call("PATCH", "/api/v1/users/me", token, new JsonObject().put("username", "someone_else").put("bio", "changed"));
    assertThat(unknown.error(400)).isEqualTo("invalid_argument");
    assertThat(unknown.json().getJsonObject("error").getString("message")).contains("username");
    assertThat(a.call("PATCH", "/api/v1/users/me", token, new JsonObject().put("avatar_url", "https://x.example/a.png")).error(400))
        .isEqualTo("invalid_argument");
    assertThat(a.get("/api/v1/users/me", token).expect(200).json().getString("bio")).isEqualTo("hi\nthere");

    JsonObject other = b.newUser(name("frank"));
    JsonObject view = b.get("/api/v1/users/" + me.getString("id"), other.getString("access_token")).expect(200).json();
    assertThat(view.getString("display_name")).isEqualTo("Erin E.");
    assertThat(view.containsKey("roles")).isFalse();
    assertThat(b.get("/api/v1/users/" + UUID.randomUUID(), other.getString("access_token")).error(404)).isEqualTo("not_found");
    assertThat(b.get("/api/v1/users/not-a-uuid", other.getString("access_token")).error(404)).isEqualTo("not_found");
  }

  @Test
  void passwordChangeNeedsTheOldOneAndEndsOtherSessions() {
    String n = name("gina");
    JsonObject s1 = a.newUser(n);
    JsonObject s2 = b.login(n, Api.PW).expect(200).json();
    String t1 = s1.getString("access_token");
    assertThat(a.call("PUT", "/api/v1/users/me/password", t1, new JsonObject().put("old_password", "wrong one!!").put("new_password", "a brand new password"))
        .error(403)).isEqualTo("forbidden");
    assertThat(a.call("PUT", "/api/v1/users/me/password", t1, new JsonObject().put("old_password", Api.PW).put("new_password", "short"))
        .error(400)).isEqualTo("invalid_argument");
    a.call("PUT", "/api/v1/users/me/password", t1, new JsonObject().put("old_password", Api.PW)
        .put("new_password", "a brand new password")).expect(204);

    assertThat(a.get("/api/v1/users/me", t1).status()).isEqualTo(200);   // this session stays
    assertThat(b.get("/api/v1/users/me", s2.getString("access_token")).status()).isEqualTo(401);
    assertThat(b.post("/api/v1/auth/refresh", null, new JsonObject().put("refresh_token", s2.getString("refresh_token"))).status()).isEqualTo(401);
    assertThat(a.login(n, Api.PW).status()).isEqualTo(401);
    a.login(n, "a brand new password").expect(200);
  }

  /** PUT /users/me/password takes {old_password, new_password} (docs/api.md): its errors name those fields, not register's password. */
  @Test
  void passwordChangeErrorsNameTheDocumentedFields() {
    String n = name("hugo");
    String t = a.newUser(n).getString("access_token");
    String path = "/api/v1/users/me/password";
    Map<JsonObject, String> bad = new java.util.LinkedHashMap<>();
    bad.put(new JsonObject(), "old_password and new_password are required");
    bad.put(new JsonObject().put("old_password", Api.PW), "new_password is required");
    bad.put(new JsonObject().put("old_password", Api.PW).put("new_password", ""), "new_password is required");
    bad.put(new JsonObject().put("new_password", "a brand new password"), "old_password is required");
    bad.put(new JsonObject().put("old_password", Api.PW).put("new_password", "short"), "new_password must be at least 10 characters");
    bad.put(new JsonObject().put("old_password", Api.PW).put("new_password", "password123"), "new_password is too common");
    bad.put(new JsonObject().put("old_password", Api.PW).put("new_password", "I am " + n + " again"), "new_password must not contain the username");
    bad.forEach((body, message) -> {
      Api.Reply r = a.call("PUT", path, t, body);
      assertThat(r.error(400)).as(body.encode()).isEqualTo("invalid_argument");
      assertThat(r.json().getJsonObject("error").getString("message")).as(body.encode()).isEqualTo(message);
    });
    assertThat(a.call("PUT", path, t, new JsonObject().put("old_password", 5).put("new_password", "a brand new password")).json()
        .getJsonObject("error").getString("message")).isEqualTo("old_password must be a string");
    // nothing changed: the old password still signs in
    a.login(n, Api.PW).expect(200);
  }

  @Test
  void prefixSearchOnUsernameAndDisplayName() {
    String tag = UUID.randomUUID().toString().substring(0, 6);
    JsonObject s = a.newUser("srch" + tag + "_one");
    a.newUser("srch" + tag + "-two");
    a.call("PATCH", "/api/v1/users/me", s.getString("access_token"), new JsonObject().put("display_name", "Zed" + tag)).expect(200);
    String t = s.getString("access_token");
    JsonArray byName = a.get("/api/v1/users?q=SRCH" + tag, t).expect(200).json().getJsonArray("users");
    assertThat(byName).hasSize(2);
    JsonArray byDisplay = a.get("/api/v1/users?q=zed" + tag, t).expect(200).json().getJsonArray("users");
    assertThat(byDisplay).hasSize(1);
    // LIKE wildcards are literal: '_' does not match '-'
    assertThat(a.get("/api/v1/users?q=srch" + tag + "_", t).expect(200).json().getJsonArray("users")).hasSize(1);
    assertThat(a.get("/api/v1/users?q=%25", t).expect(200).json().getJsonArray("users")).isEmpty();
    assertThat(a.get("/api/v1/users", t).error(400)).isEqualTo("invalid_argument");
    // a decomposed query finds the (NFC) display name
    a.call("PATCH", "/api/v1/users/me", s.getString("access_token"), new JsonObject().put("display_name", "Zo\u00eb" + tag)).expect(200);
    String nfd = java.net.URLEncoder.encode("zoe\u0308" + tag, java.nio.charset.StandardCharsets.UTF_8);
    assertThat(a.get("/api/v1/users?q=" + nfd, t).expect(200).json().getJsonArray("users")).hasSize(1);
    // case-insensitive in every script, whatever the database's locale (the embedded one's lower() folds ASCII only)
    a.call("PATCH", "/api/v1/users/me", s.getString("access_token"), new JsonObject().put("display_name", "Алиса " + tag)).expect(200);
    for (String q : List.of("Алиса", "алиса", "АЛИСА " + tag)) {
      String typed = java.net.URLEncoder.encode(q, java.nio.charset.StandardCharsets.UTF_8);
      assertThat(a.get("/api/v1/users?q=" + typed, t).expect(200).json().getJsonArray("users").encode()).as(q).contains("Алиса " + tag);
    }
    // q's 64 are characters (code points), not UTF-16 units
    String emoji = java.net.URLEncoder.encode("😀", java.nio.charset.StandardCharsets.UTF_8);
    assertThat(a.get("/api/v1/users?q=" + emoji.repeat(64), t).expect(200).json().getJsonArray("users")).isEmpty();
    assertThat(a.get("/api/v1/users?q=" + emoji.repeat(65), t).error(400)).isEqualTo("invalid_argument");
    // counted once composed (NFC), as the names it is matched against are stored: 64 "é" typed decomposed are 64, not 128
    String decomposed = java.net.URLEncoder.encode("e\u0301", java.nio.charset.StandardCharsets.UTF_8);
    assertThat(a.get("/api/v1/users?q=" + decomposed.repeat(64), t).expect(200).json().getJsonArray("users")).isEmpty();
    assertThat(a.get("/api/v1/users?q=" + decomposed.repeat(65), t).error(400)).isEqualTo("invalid_argument");
  }

  @Test
  void friendsRequestAcceptListDeclineDelete() {
    JsonObject x = a.newUser(name("hank"));
    JsonObject y = b.newUser(name("ivy"));
    JsonObject z = a.newUser(name("jay"));
    String tx = x.getString("access_token");
    String ty = y.getString("access_token");
    String tz = z.getString("access_token");
    String idx = x.getJsonObject("user").getString("id");
    String idy = y.getJsonObject("user").getString("id");
    String idz = z.getJsonObject("user").getString("id");

    assertThat(a.post("/api/v1/friends/requests", tx, new JsonObject().put("user_id", idy)).expect(201).json().getString("status")).isEqualTo("pending");
    assertThat(a.post("/api/v1/friends/requests", tx, new JsonObject().put("user_id", idy)).error(409)).isEqualTo("already_exists");
    assertThat(a.post("/api/v1/friends/requests", tx, new JsonObject().put("user_id", idx)).error(400)).isEqualTo("invalid_argument");
    // yourself in capitals too (not a 500 from the table's CHECK)
    assertThat(a.post("/api/v1/friends/requests", tx, new JsonObject().put("user_id", idx.toUpperCase(java.util.Locale.ROOT))).error(400))
        .isEqualTo("invalid_argument");
    assertThat(a.post("/api/v1/friends/requests", tx, new JsonObject().put("user_id", UUID.randomUUID().toString())).error(404)).isEqualTo("not_found");

    JsonObject reqs = b.get("/api/v1/friends/requests", ty).expect(200).json();
    assertThat(reqs.getJsonArray("incoming").getJsonObject(0).getString("id")).isEqualTo(idx);
    b.post("/api/v1/friends/requests/" + idx + "/accept", ty, null).expect(200);
    JsonArray fx = a.get("/api/v1/friends", tx).expect(200).json().getJsonArray("friends");
    assertThat(fx).hasSize(1);
    assertThat(fx.getJsonObject(0).getJsonObject("user").getString("id")).isEqualTo(idy);
    assertThat(fx.getJsonObject(0).getString("status")).isEqualTo("offline");
    // never online: no last_seen at all (the documented "last_seen"?), not a null
    assertThat(fx.getJsonObject(0).containsKey("last_seen")).as(fx.encode()).isFalse();

    // z asks x, x declines; a crossing request is an accept
    a.post("/api/v1/friends/requests", tz, new JsonObject().put("user_id", idx)).expect(201);
    a.post("/api/v1/friends/requests/" + idz + "/decline", tx, null).expect(204);
    assertThat(a.post("/api/v1/friends/requests/" + idz + "/accept", tx, null).error(404)).isEqualTo("not_found");
    a.post("/api/v1/friends/requests", tz, new JsonObject().put("user_id", idy)).expect(201);
    assertThat(b.post("/api/v1/friends/requests", ty, new JsonObject().put("user_id", idz)).expect(200).json().getString("status")).isEqualTo("accepted");
    assertThat(b.get("/api/v1/friends", ty).expect(200).json().getJsonArray("friends")).hasSize(2);

    b.call("DELETE", "/api/v1/friends/" + idx, ty, null).expect(204);
    assertThat(a.get("/api/v1/friends", tx).expect(200).json().getJsonArray("friends")).isEmpty();
    assertThat(b.call("DELETE", "/api/v1/friends/" + idx, ty, null).error(404)).isEqualTo("not_found");
  }

  /**
   * Two users asking each other at the same moment (each on another node) become friends: one request is the
   * pending one, the other accepts it (docs/api.md: "accepted" when the other had asked or crossed theirs).
   */
  @Test
  void crossingRequestsSentAtTheSameMomentMakeFriends() {
    int pairs = 12;
    List<JsonObject> xs = new ArrayList<>();
    List<JsonObject> ys = new ArrayList<>();
    for (int i = 0; i < pairs; i++) {
      xs.add(a.newUser(name("cross")));
      ys.add(b.newUser(name("cross")));
    }
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<CompletableFuture<HttpResponse<String>>> xy = new ArrayList<>();
    List<CompletableFuture<HttpResponse<String>>> yx = new ArrayList<>();
    for (int i = 0; i < pairs; i++) {
      xy.add(friendRequestAsync(client, a.port(), xs.get(i), ys.get(i)));
      yx.add(friendRequestAsync(client, b.port(), ys.get(i), xs.get(i)));
    }
    for (int i = 0; i < pairs; i++) {
      HttpResponse<String> one = xy.get(i).join();
      HttpResponse<String> other = yx.get(i).join();
      String both = one.body() + " / " + other.body();
      assertThat(List.of(one.statusCode(), other.statusCode())).as(both).containsExactlyInAnyOrder(200, 201);
      assertThat(List.of(new JsonObject(one.body()).getString("status"), new JsonObject(other.body()).getString("status"))).as(both)
          .containsExactlyInAnyOrder("pending", "accepted");
      String tx = xs.get(i).getString("access_token");
      JsonArray friendsOfX = a.get("/api/v1/friends", tx).expect(200).json().getJsonArray("friends");
      assertThat(friendsOfX).hasSize(1);
      assertThat(friendsOfX.getJsonObject(0).getJsonObject("user").getString("id")).isEqualTo(ys.get(i).getJsonObject("user").getString("id"));
      JsonObject left = a.get("/api/v1/friends/requests", tx).expect(200).json();
      assertThat(left.getJsonArray("incoming")).isEmpty();
      assertThat(left.getJsonArray("outgoing")).isEmpty();
    }
  }

  private static CompletableFuture<HttpResponse<String>> friendRequestAsync(
      HttpClient client, int port, JsonObject from, JsonObject to) {
    return client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/friends/requests"))
        .header("Authorization", "Bearer " + from.getString("access_token")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("user_id", to.getJsonObject("user").getString("id")).encode()))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void adminRolesAndDisable() {
    JsonObject admin = a.login(ADMIN, ADMIN_PASSWORD).expect(200).json();
    assertThat(admin.getJsonObject("user").getJsonArray("roles")).contains("admin");
    String ta = admin.getString("access_token");
    String n = name("kim");
    JsonObject u = a.newUser(n);
    String id = u.getJsonObject("user").getString("id");
    String tu = u.getString("access_token");

    assertThat(a.call("PUT", "/api/v1/admin/users/" + id + "/roles", tu, new JsonObject().put("roles", new JsonArray().add("admin"))).error(403))
        .isEqualTo("forbidden");
    assertThat(a.call("PUT", "/api/v1/admin/users/" + id + "/roles", ta, new JsonObject().put("roles", new JsonArray().add("god"))).error(400))
        .isEqualTo("invalid_argument");
    JsonObject updated = a.call("PUT", "/api/v1/admin/users/" + id + "/roles", ta, new JsonObject().put("roles", new JsonArray().add("moderator")))
        .expect(200).json();
    assertThat(updated.getJsonArray("roles")).containsExactlyInAnyOrder("user", "moderator");
    assertThat(b.login(n, Api.PW).expect(200).json().getJsonObject("user").getJsonArray("roles")).contains("moderator");
    assertThat(a.post("/api/v1/admin/users/" + UUID.randomUUID() + "/disable", ta, null).error(404)).isEqualTo("not_found");

    a.post("/api/v1/admin/users/" + id + "/disable", ta, null).expect(200);
    // on the other node too, at once: the access token, the refresh token and a new sign-in are refused
    assertThat(b.get("/api/v1/users/me", tu).error(401)).isEqualTo("unauthenticated");
    assertThat(b.post("/api/v1/auth/refresh", null, new JsonObject().put("refresh_token", u.getString("refresh_token"))).status()).isEqualTo(401);
    assertThat(b.login(n, Api.PW).error(403)).isEqualTo("forbidden");
    assertThat(a.get("/api/v1/users/" + id, ta).status()).isEqualTo(404);

    a.post("/api/v1/admin/users/" + id + "/enable", ta, null).expect(200);
    b.login(n, Api.PW).expect(200);
  }

  /**
   * A disabled account leaves the others' friend lists and request lists (docs/api.md: a disabled user is found by
   * nobody), its friends hear it go offline, and enabling it again brings its friendships and requests back.
   */
  @Test
  void aDisabledUserIsHiddenFromFriendsAndRequestsUntilEnabledAgain() {
    String ta = a.login(ADMIN, ADMIN_PASSWORD).expect(200).json().getString("access_token");
    JsonObject x = a.newUser(name("otto"));
    JsonObject friend = b.newUser(name("pia"));
    JsonObject asker = a.newUser(name("quinn"));
    JsonObject asked = b.newUser(name("rosa"));
    String tx = x.getString("access_token");
    String idx = x.getJsonObject("user").getString("id");
    String idFriend = friend.getJsonObject("user").getString("id");
    String idAsker = asker.getJsonObject("user").getString("id");
    String idAsked = asked.getJsonObject("user").getString("id");
    a.post("/api/v1/friends/requests", tx, new JsonObject().put("user_id", idFriend)).expect(201);
    b.post("/api/v1/friends/requests/" + idx + "/accept", friend.getString("access_token"), null).expect(200);
    a.post("/api/v1/friends/requests", asker.getString("access_token"), new JsonObject().put("user_id", idx)).expect(201);
    a.post("/api/v1/friends/requests", tx, new JsonObject().put("user_id", idAsked)).expect(201);

    // the friend connects after x's hello (x's channel subscribed): an online published before it would not reach x,
    // which has no presence snapshot on the socket (GET /api/v1/friends gives one)
    try (io.chorus.testing.WsProbe xs = io.chorus.testing.WsProbe.connect(a.port(), "/ws/user?token=" + tx)) {
      xs.awaitType("hello");
      try (io.chorus.testing.WsProbe fs = io.chorus.testing.WsProbe.connect(b.port(), "/ws/user?token=" + friend.getString("access_token"))) {
        fs.awaitType("hello");
        xs.await(m -> "presence".equals(m.getString("type")) && idFriend.equals(m.getString("user_id")) && "online".equals(m.getString("status")), 10_000);
        for (String id : List.of(idFriend, idAsker, idAsked)) {
          a.post("/api/v1/admin/users/" + id + "/disable", ta, null).expect(200);
        }
        assertThat(fs.awaitClose(10_000)).isEqualTo((short) 4403);
        // the friend whose socket the disable closed is seen going offline, not left online
        xs.await(m -> "presence".equals(m.getString("type")) && idFriend.equals(m.getString("user_id")) && "offline".equals(m.getString("status")), 10_000);
      }
    }
    for (Api node : List.of(a, b)) {
      assertThat(node.get("/api/v1/friends", tx).expect(200).json().getJsonArray("friends")).isEmpty();
      JsonObject reqs = node.get("/api/v1/friends/requests", tx).expect(200).json();
      assertThat(reqs.getJsonArray("incoming")).isEmpty();
      assertThat(reqs.getJsonArray("outgoing")).isEmpty();
    }
    assertThat(a.post("/api/v1/friends/requests/" + idAsker + "/accept", tx, null).error(404)).isEqualTo("not_found");

    for (String id : List.of(idFriend, idAsker, idAsked)) {
      a.post("/api/v1/admin/users/" + id + "/enable", ta, null).expect(200);
    }
    JsonArray back = b.get("/api/v1/friends", tx).expect(200).json().getJsonArray("friends");
    assertThat(back).hasSize(1);
    assertThat(back.getJsonObject(0).getJsonObject("user").getString("id")).isEqualTo(idFriend);
    JsonObject reqs = b.get("/api/v1/friends/requests", tx).expect(200).json();
    assertThat(reqs.getJsonArray("incoming")).hasSize(1);
    assertThat(reqs.getJsonArray("incoming").getJsonObject(0).getString("id")).isEqualTo(idAsker);
    assertThat(reqs.getJsonArray("outgoing")).hasSize(1);
    assertThat(reqs.getJsonArray("outgoing").getJsonObject(0).getString("id")).isEqualTo(idAsked);
  }

  @Test
  void aRoomJoinedWhileSignedInRecordsTheUserAndAnonymousJoinsStayAsTheyWere() throws Exception {
    JsonObject u = a.newUser(name("joiner"));
    String uid = u.getJsonObject("user").getString("id");
    JsonObject room = a.post("/api/v1/rooms", null, new JsonObject().put("title", "Signed-in join").put("display_name", "Host")).expect(201).json();
    String roomId = room.getJsonObject("room").getString("id");

    JsonObject joined = b.post("/api/v1/rooms/" + roomId + "/join", u.getString("access_token"), new JsonObject()).expect(200).json();
    JsonObject participant = joined.getJsonObject("participant");
    assertThat(participant.getString("user_id")).isEqualTo(uid);
    assertThat(participant.getString("display_name")).isEqualTo(u.getJsonObject("user").getString("username"));
    // the participant token works as for anyone
    b.get("/api/v1/rooms/" + roomId + "/participants", joined.getString("token")).expect(200);

    JsonObject anonymous = a.post("/api/v1/rooms/" + roomId + "/join", null, new JsonObject().put("display_name", "Anon")).expect(200).json();
    assertThat(anonymous.getJsonObject("participant").containsKey("user_id")).isFalse();
    // a bad access token is refused, not taken for an anonymous join
    assertThat(a.post("/api/v1/rooms/" + roomId + "/join", "x.y.z", new JsonObject()).error(401)).isEqualTo("unauthenticated");

    var db = nodes.get(0).config().db();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
         java.sql.PreparedStatement st = c.prepareStatement("SELECT participant_id, user_id FROM room_participants WHERE room_id = ?")) {
      st.setString(1, roomId);
      java.util.Map<String, String> users = new java.util.HashMap<>();
      try (java.sql.ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          users.put(rs.getString(1), rs.getString(2));
        }
      }
      assertThat(users.get(participant.getString("participant_id"))).isEqualTo(uid);
      assertThat(users.get(anonymous.getJsonObject("participant").getString("participant_id"))).isNull();
      assertThat(users.get(room.getJsonObject("participant").getString("participant_id"))).isNull();
    }
  }

  /** The same access token re-joins as the same participant: no new member per call, also after leaving (contract B, 5). */
  @Test
  void anAccountReJoinsAsItsOwnParticipant() {
    JsonObject u = a.newUser(name("rejoin"));
    String jwt = u.getString("access_token");
    JsonObject room = a.post("/api/v1/rooms", null, new JsonObject().put("title", "Re-join").put("display_name", "Host")).expect(201).json();
    String roomId = room.getJsonObject("room").getString("id");
    String path = "/api/v1/rooms/" + roomId + "/join";

    JsonObject first = b.post(path, jwt, new JsonObject()).expect(200).json();
    String pid = first.getJsonObject("participant").getString("participant_id");
    JsonObject again = b.post(path, jwt, new JsonObject()).expect(200).json();
    assertThat(again.getJsonObject("participant").getString("participant_id")).isEqualTo(pid);
    assertThat(again.getJsonObject("room").getInteger("participant_count")).isEqualTo(2);
    // naming its own id is the same re-join; naming another is refused
    assertThat(joinAs(path, jwt, pid).expect(200).json().getJsonObject("participant").getString("participant_id")).isEqualTo(pid);
    assertThat(joinAs(path, jwt, "someone-else").error(403)).isEqualTo("forbidden");

    b.post("/api/v1/rooms/" + roomId + "/leave", again.getString("token"), null).expect(200);
    JsonObject back = b.post(path, jwt, new JsonObject()).expect(200).json();
    assertThat(back.getJsonObject("participant").getString("participant_id")).isEqualTo(pid);
    assertThat(back.getJsonObject("participant").getString("user_id")).isEqualTo(u.getJsonObject("user").getString("id"));
    assertThat(back.getJsonObject("room").getInteger("participant_count")).isEqualTo(2);
    // the participant token alone still cannot bring the account's participant back
    assertThat(b.post(path, back.getString("token"), new JsonObject().put("display_name", "Again")).error(403)).isEqualTo("forbidden");
  }

  /**
   * First joins of one account sent at once to both nodes (a browser that sends its join twice, two tabs) make one
   * participant: each answer names the same one and the room counts the host and it.
   */
  @Test
  void simultaneousFirstJoinsOfAnAccountMakeOneParticipant() throws Exception {
    JsonObject u = a.newUser(name("twice"));
    String jwt = u.getString("access_token");
    JsonObject room = a.post("/api/v1/rooms", null, new JsonObject().put("title", "Twice").put("display_name", "Host")).expect(201).json();
    String roomId = room.getJsonObject("room").getString("id");
    String path = "/api/v1/rooms/" + roomId + "/join";
    int joins = 8;
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(joins);
    try {
      java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
      List<java.util.concurrent.Future<String>> answers = new java.util.ArrayList<>();
      for (int i = 0; i < joins; i++) {
        Api node = i % 2 == 0 ? a : b;
        answers.add(pool.submit(() -> {
          go.await();
          return node.post(path, jwt, new JsonObject()).expect(200).json().getJsonObject("participant").getString("participant_id");
        }));
      }
      go.countDown();
      java.util.Set<String> ids = new java.util.HashSet<>();
      for (java.util.concurrent.Future<String> f : answers) {
        ids.add(f.get(60, java.util.concurrent.TimeUnit.SECONDS));
      }
      assertThat(ids).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
    JsonObject again = b.post(path, jwt, new JsonObject()).expect(200).json();
    assertThat(again.getJsonObject("room").getInteger("participant_count")).isEqualTo(2);
  }

  /**
   * A join lock another node holds and never gives back (it died mid-join) makes the account's join wait, then answer
   * 503 rather than join unserialised; once the lock is gone the account joins.
   */
  @Test
  void aJoinLockNobodyReleasesIsA503NotASecondParticipant() {
    JsonObject u = a.newUser(name("locked"));
    String jwt = u.getString("access_token");
    String uid = u.getJsonObject("user").getString("id");
    JsonObject room = a.post("/api/v1/rooms", null, new JsonObject().put("title", "Locked").put("display_name", "Host")).expect(201).json();
    String roomId = room.getJsonObject("room").getString("id");
    String lock = "chat:room:{" + roomId + "}:joining:" + uid;
    TestServices.await(tc.redis().set(List.of(lock, "a node that died", "PX", "60000")));
    assertThat(a.post("/api/v1/rooms/" + roomId + "/join", jwt, new JsonObject()).error(503)).isEqualTo("unavailable");
    assertThat(TestServices.await(tc.redis().get(lock)).toString()).as("someone else's lock is not released").isEqualTo("a node that died");

    TestServices.await(tc.redis().del(List.of(lock)));
    JsonObject joined = a.post("/api/v1/rooms/" + roomId + "/join", jwt, new JsonObject()).expect(200).json();
    assertThat(joined.getJsonObject("participant").getString("user_id")).isEqualTo(uid);
    assertThat(TestServices.await(tc.redis().exists(List.of(lock))).toInteger()).as("the join's own lock released").isZero();
  }

  private Api.Reply joinAs(String path, String jwt, String participantId) {
    var r = io.chorus.testing.JdkHttp.exchange(b.port(), "POST", path, jwt,
        java.util.Map.of("Content-Type", "application/json", "X-Participant-ID", participantId),
        java.net.http.HttpRequest.BodyPublishers.ofString("{}"), java.time.Duration.ofSeconds(30));
    return new Api.Reply(r.statusCode(), r.headers(), new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
  }
}
