package io.chorus.config;

import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.List;

/**
 * Reads typed values out of the flat, environment-named configuration object; every failure is a
 * {@link ConfigException} naming the variable. Feature modules parse their own config records with it.
 */
public final class Parse {
  private final JsonObject json;

  public Parse(JsonObject json) {
    this.json = json;
  }

  public static List<String> csv(String value) {
    return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  public String string(String key) {
    if (!json.containsKey(key)) {
      throw new ConfigException(key, "is not set and has no default");
    }
    Object v = json.getValue(key);
    return v == null ? "" : String.valueOf(v).trim();
  }

  public String nonEmpty(String key) {
    String v = string(key);
    if (v.isEmpty()) {
      throw new ConfigException(key, "must not be empty");
    }
    return v;
  }

  public int intIn(String key, int min, int max) {
    String v = string(key);
    long n;
    try {
      n = Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "must be an integer, got '" + v + "'");
    }
    if (n < min || n > max) {
      throw new ConfigException(key, "must be between " + min + " and " + max + ", got " + n);
    }
    return (int) n;
  }

  public int port(String key) {
    return intIn(key, 0, 65535);
  }

  public boolean bool(String key) {
    String v = string(key).toLowerCase();
    return switch (v) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no", "" -> false;
      default -> throw new ConfigException(key, "must be true or false, got '" + v + "'");
    };
  }

  public String oneOf(String key, String... allowed) {
    String v = string(key).toLowerCase();
    for (String a : allowed) {
      if (a.equals(v)) {
        return v;
      }
    }
    throw new ConfigException(key, "must be one of " + String.join(", ", allowed) + ", got '" + v + "'");
  }
}
