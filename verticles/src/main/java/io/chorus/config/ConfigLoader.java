package io.chorus.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

/**
 * Loads configuration through vertx-config in three layers, later ones winning:
 * {@code conf/default.json} (in the jar), an optional file given with {@code --conf}, then the
 * environment (where an alias, {@link #ALIASES}, sits below its real name). Keys are the seeds' environment variable names; only names present in the defaults
 * are read from the environment, so the defaults file is also the list of known variables.
 */
public final class ConfigLoader {
  public static final String DEFAULTS_RESOURCE = "conf/default.json";
  /**
   * Other names of a variable, from the seeds (seed 001 reads {@code APP_PORT} as well as {@code HTTP_PORT}): read
   * from the environment only, above the files and below the real name, which wins when both are set.
   */
  static final Map<String, String> ALIASES = Map.of("APP_PORT", "HTTP_PORT");

  private ConfigLoader() {
  }

  /** The defaults file as a JSON object. */
  public static JsonObject defaults() {
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(DEFAULTS_RESOURCE + " is missing from the classpath");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + DEFAULTS_RESOURCE, e);
    }
  }

  /** Every variable the node knows. */
  public static Set<String> knownVariables() {
    return defaults().fieldNames();
  }

  /** Defaults + optional file + environment, parsed and validated. */
  public static Future<ChorusConfig> load(Vertx vertx, String confFile) {
    return loadJson(vertx, confFile).map(ChorusConfig::parse);
  }

  /** Defaults + optional file + environment as one JSON object, not yet validated. */
  public static Future<JsonObject> loadJson(Vertx vertx, String confFile) {
    // the aliases first (an environment store of their own), so that they can sit below the real names
    return readConfFile(vertx, confFile).compose(fileJson -> retrieve(vertx,
            new ConfigRetrieverOptions().setScanPeriod(0).addStore(env(ALIASES.keySet())))
        .compose(aliases -> {
          JsonObject defaults = defaults();
          ConfigRetrieverOptions options = new ConfigRetrieverOptions()
              .setScanPeriod(0)
              .addStore(new ConfigStoreOptions().setType("json").setConfig(defaults));
          if (fileJson != null) {
            options.addStore(new ConfigStoreOptions().setType("json").setConfig(fileJson));
          }
          JsonObject aliased = new JsonObject();
          ALIASES.forEach((alias, name) -> {
            if (aliases.getValue(alias) != null) {
              aliased.put(name, aliases.getValue(alias));
            }
          });
          if (!aliased.isEmpty()) {
            options.addStore(new ConfigStoreOptions().setType("json").setConfig(aliased));
          }
          options.addStore(env(defaults.fieldNames()));
          return retrieve(vertx, options);
        })
        .compose(merged -> {
          // a key the defaults do not know can only come from the file (the environment is read by name): a typo
          // ("HTTP_PROT") would otherwise leave the variable at its default without a word
          for (String key : merged.fieldNames()) {
            if (!defaults().containsKey(key)) {
              return Future.failedFuture(new ConfigException(key, "is not a variable Chorus knows (in " + confFile
                  + "; see docs/configuration.md)"));
            }
          }
          return Future.succeededFuture(merged);
        }));
  }

  /**
   * The {@code --conf} file as a JSON object (null without one); a file that cannot be read or is not a JSON object
   * fails naming it (vertx-config's own file store said only "Failed to decode: …").
   */
  static Future<JsonObject> readConfFile(Vertx vertx, String confFile) {
    if (confFile == null || confFile.isBlank()) {
      return Future.succeededFuture(null);
    }
    String name = "--conf " + confFile;
    return vertx.fileSystem().readFile(confFile).transform(ar -> {
      if (ar.failed()) {
        Throwable cause = ar.cause().getCause() != null ? ar.cause().getCause() : ar.cause();
        return Future.failedFuture(new ConfigException(name, "cannot be read (" + cause + ")"));
      }
      String text = ar.result().toString(StandardCharsets.UTF_8);
      if (text.isBlank()) {
        return Future.succeededFuture(new JsonObject());
      }
      Object value;
      try {
        value = io.vertx.core.json.Json.decodeValue(text);
      } catch (RuntimeException e) {
        return Future.failedFuture(new ConfigException(name, "is not valid JSON: " + e.getMessage()));
      }
      return value instanceof JsonObject json ? Future.succeededFuture(json)
          : Future.failedFuture(new ConfigException(name, "must hold a JSON object {\"VARIABLE\": value, ...}"));
    });
  }

  private static ConfigStoreOptions env(Set<String> keys) {
    return new ConfigStoreOptions().setType("env")
        .setConfig(new JsonObject().put("keys", new JsonArray(keys.stream().toList())).put("raw-data", true));
  }

  private static Future<JsonObject> retrieve(Vertx vertx, ConfigRetrieverOptions options) {
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig()
        .eventually(() -> {
          retriever.close();
          return Future.succeededFuture();
        });
  }
}
