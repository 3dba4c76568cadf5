package io.chorus.infra;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A Lua script on the classpath run with EVALSHA (loaded on first use and again after NOSCRIPT).
 * Error replies {@code CHORUS <code> <message>} become {@link ChorusException}s; anything else
 * from Redis is UNAVAILABLE.
 */
public final class LuaScript {
  private final RedisAPI redis;
  private final String source;
  private volatile String sha;

  public LuaScript(RedisAPI redis, String resource) {
    this.redis = redis;
    this.source = load(resource);
  }

  public Future<Response> run(List<String> keys, List<String> args) {
    List<String> evalArgs = new ArrayList<>(keys.size() + args.size() + 1);
    evalArgs.add(Integer.toString(keys.size()));
    evalArgs.addAll(keys);
    evalArgs.addAll(args);
    return evalsha(evalArgs).recover(LuaScript::mapError);
  }

  private Future<Response> evalsha(List<String> evalArgs) {
    String current = sha;
    if (current == null) {
      return redis.script(List.of("LOAD", source)).compose(r -> {
        sha = r.toString();
        return evalsha(evalArgs);
      });
    }
    List<String> withSha = new ArrayList<>(evalArgs.size() + 1);
    withSha.add(current);
    withSha.addAll(evalArgs);
    return redis.evalsha(withSha).recover(e -> {
      if (String.valueOf(e.getMessage()).startsWith("NOSCRIPT")) {
        sha = null;
        return evalsha(evalArgs);
      }
      return Future.failedFuture(e);
    });
  }

  public static <T> Future<T> mapError(Throwable e) {
    if (e instanceof ChorusException) {
      return Future.failedFuture(e);
    }
    String msg = String.valueOf(e.getMessage());
    int i = msg.indexOf("CHORUS ");
    if (i < 0) {
      return Future.failedFuture(new ChorusException(ErrorCode.UNAVAILABLE, "store unavailable: " + msg));
    }
    String rest = msg.substring(i + 7);
    int space = rest.indexOf(' ');
    String code = space < 0 ? rest : rest.substring(0, space);
    String text = space < 0 ? code : rest.substring(space + 1);
    ErrorCode ec = switch (code) {
      case "not_found" -> ErrorCode.NOT_FOUND;
      case "already_exists", "exists" -> ErrorCode.ALREADY_EXISTS;
      case "room_full" -> ErrorCode.ROOM_FULL;
      case "queue_full" -> ErrorCode.QUEUE_FULL;
      case "forbidden" -> ErrorCode.FORBIDDEN;
      case "invalid_argument" -> ErrorCode.INVALID_ARGUMENT;
      default -> ErrorCode.INTERNAL;
    };
    return Future.failedFuture(new ChorusException(ec, text));
  }

  private static String load(String resource) {
    try (InputStream in = LuaScript.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
