package io.chorus.accounts;

import io.chorus.testing.TestCluster;
import io.chorus.config.ConfigException;
import io.chorus.config.ConfigLoader;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pure rules of issue 16: usernames, passwords, profiles, refresh families, Argon2 parameters, configuration. */
class AccountRulesTest {

  @Test
  void usernamesAreNfkcLowerCasedAndLimitedToTheAlphabet() {
    assertThat(Usernames.normalise("  Alice_1.x-Y ").username()).isEqualTo("alice_1.x-y");
    assertThat(Usernames.normalise("ＡＬＩＣＥ").username()).isEqualTo("alice");         // full-width folds onto ASCII
    assertThat(Usernames.normalise("ﬁsh").username()).isEqualTo("fish");               // ligature
    assertThat(Usernames.normalise("аlice").problem()).contains("a-z");               // Cyrillic а: refused, not mapped
    assertThat(Usernames.normalise("al\u200Bice").ok()).isFalse();                     // zero-width space
    assertThat(Usernames.normalise("ab").problem()).contains("3-32");
    assertThat(Usernames.normalise("a".repeat(33)).ok()).isFalse();
    assertThat(Usernames.normalise("a".repeat(32)).ok()).isTrue();
    assertThat(Usernames.normalise("x".repeat(10_000)).ok()).isFalse();
    assertThat(Usernames.normalise(null).ok()).isFalse();
    assertThat(Usernames.normalise("o'brien").ok()).isFalse();
    assertThat(Usernames.lookupKey("Bob")).isEqualTo("bob");
    assertThat(Usernames.lookupKey("b b")).isNull();
  }

  @Test
  void aUsernameNeedsALetterOrADigit() {
    for (String punctuation : new String[] {"...", "___", "-.-", "._-_.", "．．．" /* full-width dots fold onto "..." */}) {
      assertThat(Usernames.normalise(punctuation).problem()).as(punctuation).isEqualTo("username must contain a letter or a digit");
    }
    assertThat(Usernames.normalise("_._1").username()).isEqualTo("_._1");
    assertThat(Usernames.normalise("..x").username()).isEqualTo("..x");
    // the length and alphabet rules still come first
    assertThat(Usernames.normalise("..").problem()).contains("3-32");
    // an account named before the rule can still be looked up (and so sign in)
    assertThat(Usernames.lookupKey("...")).isEqualTo("...");
  }

  @Test
  void aPasswordIsFoldedLikeTheUsernameBeforeItIsCompared() {
    // full-width letters NFKC-fold onto the ASCII name, as they do in usernames
    assertThat(PasswordRules.problem("ＡＬＩＣＥ-long-secret-2026", "alice")).isEqualTo("password must not contain the username");
    assertThat(PasswordRules.problem("my ﬁsh is a long secret", "fish")).isEqualTo("password must not contain the username");
    assertThat(PasswordRules.problem("ＰａｓｓＷｏｒｄ123", "bob")).isEqualTo("password is too common");
    assertThat(PasswordRules.problem("ＡＬＩＣＥ-long-secret-2026", "bob")).isNull();
  }

  @Test
  void passwordsNeedLengthAndMustNotBeCommonOrTheName() {
    assertThat(PasswordRules.problem("short", "bob")).contains("at least 10");
    assertThat(PasswordRules.problem("PassWord123", "bob")).contains("common");
    assertThat(PasswordRules.problem("my name is bobby!", "bob")).contains("username");
    assertThat(PasswordRules.problem("x".repeat(PasswordRules.MAX + 1), "bob")).contains("at most");
    assertThat(PasswordRules.problem("", "bob")).contains("required");
    assertThat(PasswordRules.problem("ünïcödé pässwörd", "bob")).isNull();
    // ten code points count as ten, even outside the BMP
    assertThat(PasswordRules.problem("😀".repeat(10), "bob")).isNull();
    assertThat(PasswordRules.problem("😀".repeat(9), "bob")).contains("at least 10");
    // and so does the maximum: 256 emoji are 512 UTF-16 units but 256 characters
    assertThat(PasswordRules.problem("😀".repeat(PasswordRules.MAX), "bob")).isNull();
    assertThat(PasswordRules.problem("😀".repeat(PasswordRules.MAX + 1), "bob")).contains("at most");
  }

  @Test
  void profileRules() {
    assertThat(Profiles.displayNameProblem("Ann")).isNull();
    assertThat(Profiles.displayNameProblem(" ")).isNotNull();
    assertThat(Profiles.displayNameProblem("a\u202Eb")).contains("format");   // right-to-left override
    assertThat(Profiles.displayNameProblem("x".repeat(65))).contains("64");
    assertThat(Profiles.bioProblem("line\nbreak")).isNull();
    assertThat(Profiles.bioProblem("bell\u0007")).isNotNull();
  }

  @Test
  void refreshFamilyDecisions() {
    Instant now = Instant.now();
    Instant later = now.plusSeconds(60);
    assertThat(RefreshFamilies.decide(false, null, null, later, now)).isEqualTo(RefreshFamilies.Outcome.UNKNOWN);
    assertThat(RefreshFamilies.decide(true, null, null, later, now)).isEqualTo(RefreshFamilies.Outcome.ROTATE);
    assertThat(RefreshFamilies.decide(true, now.minusSeconds(1), null, later, now)).isEqualTo(RefreshFamilies.Outcome.REUSE_DETECTED);
    assertThat(RefreshFamilies.decide(true, now.minusSeconds(1), now, later, now)).isEqualTo(RefreshFamilies.Outcome.REVOKED);
    assertThat(RefreshFamilies.decide(true, null, now, later, now)).isEqualTo(RefreshFamilies.Outcome.REVOKED);
    assertThat(RefreshFamilies.decide(true, null, null, now, now)).isEqualTo(RefreshFamilies.Outcome.EXPIRED);
    String t = RefreshFamilies.newToken();
    assertThat(RefreshFamilies.wellFormed(t)).isTrue();
    assertThat(RefreshFamilies.newToken()).isNotEqualTo(t);
    assertThat(RefreshFamilies.wellFormed(t + "x")).isFalse();
    assertThat(RefreshFamilies.wellFormed("' OR 1=1 --" + "x".repeat(32))).isFalse();
    assertThat(RefreshFamilies.hash(t)).hasSize(32).isEqualTo(RefreshFamilies.hash(t));
  }

  @Test
  void argon2idHashesVerifyAndOldParametersNeedARehash() {
    PasswordHasher weak = new PasswordHasher(null, AccountsConfig.MIN_MEMORY_KIB, 2, 1);
    PasswordHasher strong = new PasswordHasher(null, AccountsConfig.MIN_MEMORY_KIB, 3, 1);
    String h = weak.hashNow("a long enough password");
    assertThat(h).startsWith("$argon2id$").contains("m=19456,t=2,p=1");
    assertThat(weak.needsRehash(h)).isFalse();
    assertThat(strong.needsRehash(h)).isTrue();
    assertThat(strong.needsRehash("not a hash")).isTrue();
    assertThat(com.password4j.Password.check("a long enough password", h).with(com.password4j.Argon2Function.getInstanceFromHash(h))).isTrue();
    assertThat(weak.hashNow("a long enough password")).isNotEqualTo(h);   // salted
  }

  @Test
  void bearerPrefixIsOptional() {
    assertThat(AccessTokens.strip("Bearer abc")).isEqualTo("abc");
    assertThat(AccessTokens.strip("bearer  abc ")).isEqualTo("abc");
    assertThat(AccessTokens.strip("abc")).isEqualTo("abc");
    assertThat(AccessTokens.strip("Bearer ")).isNull();
    assertThat(AccessTokens.strip(null)).isNull();
  }

  @Test
  void anAccessTokenIsThreeSegmentsOfCanonicalUnpaddedBase64url() {
    String sig = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]);   // 43 characters
    assertThat(AccessTokens.wellFormed("eyJh.eyJz." + sig)).isTrue();
    for (String bad : new String[] {"eyJh.eyJz." + sig + "=", "eyJh.eyJz." + sig + "==", "eyJh=.eyJz." + sig, "eyJh.eyJz+." + sig,
        "eyJh.eyJz." + sig.replace('A', '/'), "eyJh.ey Jz." + sig, "eyJh.eyJz.\t" + sig, "eyJh.eyJz." + sig.substring(0, 42) + "B",
        "eyJh.eyJz.", ".eyJz." + sig, "eyJh.eyJz." + sig + ".x", "eyJh.eyJz.A"}) {
      assertThat(AccessTokens.wellFormed(bad)).as(bad).isFalse();
    }
  }

  @Test
  void configDefaultsAndRefusals() {
    AccountsConfig c = AccountsConfig.from(ConfigLoader.defaults());
    assertThat(c.accessTokenTtlSeconds()).isEqualTo(900);
    assertThat(c.argon2MemoryKib()).isGreaterThanOrEqualTo(19 * 1024);
    assertThat(c.argon2Iterations()).isGreaterThanOrEqualTo(2);
    assertThat(c.jwtSecret()).isEmpty();
    assertThat(c.userSocketsPerNode()).isEqualTo(16);
    assertThatThrownBy(() -> AccountsConfig.from(ConfigLoader.defaults().put("USER_SOCKETS_PER_NODE", 0)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("USER_SOCKETS_PER_NODE");
    assertThatThrownBy(() -> AccountsConfig.from(ConfigLoader.defaults().put("ARGON2_MEMORY_KIB", 4096)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ARGON2_MEMORY_KIB");
    assertThatThrownBy(() -> AccountsConfig.from(ConfigLoader.defaults().put("APP_ENV", "production")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("JWT_SECRET");
    assertThatThrownBy(() -> AccountsConfig.from(ConfigLoader.defaults().put("JWT_SECRET", "too short")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("JWT_SECRET");
    assertThatThrownBy(() -> AccountsConfig.from(ConfigLoader.defaults().put("ADMIN_USERNAME", "root")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ADMIN_PASSWORD");
    assertThatThrownBy(() -> AccountsConfig.from(ConfigLoader.defaults().put("ADMIN_USERNAME", "root").put("ADMIN_PASSWORD", "short")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ADMIN_PASSWORD");
    assertThatThrownBy(() -> AccountsConfig.from(ConfigLoader.defaults().put("JWT_PREVIOUS_KEYS", "old")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("JWT_PREVIOUS_KEYS");
    JsonObject rot = ConfigLoader.defaults().put("JWT_PREVIOUS_KEYS", "a=" + "s".repeat(32) + ", b=" + "t".repeat(40));
    assertThat(AccountsConfig.from(rot).jwtPreviousKeys()).containsOnlyKeys("a", "b");
  }

  @Test
  void theDevelopmentKeyIsCreatedOnceAndShared(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    AccountsConfig c = AccountsConfig.from(ConfigLoader.defaults().put("CHORUS_DATA_DIR", dir.toString()));
    JwtKeys first = JwtKeys.resolve(c);
    JwtKeys second = JwtKeys.resolve(c);
    assertThat(first.secret()).hasSizeGreaterThanOrEqualTo(64).isEqualTo(second.secret());
    assertThat(first.kid()).startsWith("dev-").isEqualTo(second.kid());
    AccountsConfig fixed = AccountsConfig.from(ConfigLoader.defaults().put("JWT_SECRET", "s".repeat(40)).put("JWT_KID", "prod-1"));
    assertThat(JwtKeys.resolve(fixed).kid()).isEqualTo("prod-1");
  }
}
