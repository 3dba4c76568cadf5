package io.chorus.accounts;

import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The HS256 keys: the signing key ({@code JWT_SECRET} with {@code JWT_KID}) plus retired keys still
 * accepted ({@code JWT_PREVIOUS_KEYS}). Without {@code JWT_SECRET} (development) a random key is created
 * once in {@code <CHORUS_DATA_DIR>/accounts/jwt-key.json}; nodes sharing the data directory share it.
 */
public record JwtKeys(String kid, String secret, Map<String, String> verifyKeys) {
  private static final Logger LOG = LoggerFactory.getLogger(JwtKeys.class);

  public static JwtKeys resolve(AccountsConfig config) {
    String kid = config.jwtKid();
    String secret = config.jwtSecret();
    if (secret.isEmpty()) {
      JsonObject dev = devKey(config.dataDir().resolve("accounts").resolve("jwt-key.json"));
      kid = dev.getString("kid");
      secret = dev.getString("secret");
    }
    Map<String, String> all = new LinkedHashMap<>(config.jwtPreviousKeys());
    all.put(kid, secret);
    return new JwtKeys(kid, secret, Map.copyOf(all));
  }

  /** Reads the development key, creating it first if absent; a hard link publishes it atomically. */
  private static JsonObject devKey(Path file) {
    try {
      if (!Files.exists(file)) {
        Files.createDirectories(file.getParent());
        byte[] raw = new byte[48];
        new SecureRandom().nextBytes(raw);
        byte[] kidRaw = new byte[6];
        new SecureRandom().nextBytes(kidRaw);
        JsonObject key = new JsonObject()
            .put("kid", "dev-" + Base64.getUrlEncoder().withoutPadding().encodeToString(kidRaw))
            .put("secret", Base64.getUrlEncoder().withoutPadding().encodeToString(raw));
        Path tmp = Files.createTempFile(file.getParent(), "jwt-key", ".tmp");
        try {
          Files.writeString(tmp, key.encodePrettily(), StandardCharsets.UTF_8);
          Files.createLink(file, tmp);
          LOG.warn("JWT_SECRET is not set: generated a development signing key in {}", file);
        } catch (FileAlreadyExistsException raced) {
          // another node created it first: use theirs
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
      return new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create or read the development JWT key " + file, e);
    }
  }
}
