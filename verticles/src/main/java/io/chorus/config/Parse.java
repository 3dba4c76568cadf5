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

  /**
   * Empty, or an absolute URL {@code scheme://host[:port][/path]} with one of {@code schemes} (lower case) and a host;
   * anything else (no scheme, another scheme, no host, a port out of range, not a URI at all) names {@code key}.
   */
  public String urlOrEmpty(String key, String... schemes) {
    String v = string(key);
    if (v.isEmpty()) {
      return v;
    }
    String expected = String.join(" or ", Arrays.stream(schemes).map(s -> s + "://").toList()) + "host[:port]";
    try {
      java.net.URI u = new java.net.URI(v);
      if (u.getScheme() == null || !Arrays.asList(schemes).contains(u.getScheme().toLowerCase(java.util.Locale.ROOT))
          || u.getHost() == null || u.getPort() > 65535) {
        throw new ConfigException(key, "must be a URL " + expected + ", got '" + v + "'");
      }
    } catch (java.net.URISyntaxException e) {
      throw new ConfigException(key, "must be a URL " + expected + ", got '" + v + "'");
    }
    return v;
  }

  /** Empty, or a comma list of {@code host:port} (an IPv6 host in brackets); anything else names {@code key}. */
  public String hostPortsOrEmpty(String key) {
    String v = string(key);
    for (String a : csv(v)) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[^:\\s/\\[\\]@]+):(\\d{1,5})").matcher(a);
      if (!m.matches() || Integer.parseInt(m.group(2)) > 65535) {
        throw new ConfigException(key, "expected host:port[,host:port...], got '" + v + "'");
      }
    }
    return v;
  }

  /** A Kafka topic name: 1–249 of {@code [a-zA-Z0-9._-]}, not {@code .} or {@code ..} (the broker refuses the others). */
  public String topic(String key) {
    String v = nonEmpty(key);
    if (!v.matches("[a-zA-Z0-9._-]{1,249}") || v.equals(".") || v.equals("..")) {
      throw new ConfigException(key, "must be a Kafka topic name (letters, digits, '.', '_', '-'; at most 249), got '" + v + "'");
    }
    return v;
  }
}
