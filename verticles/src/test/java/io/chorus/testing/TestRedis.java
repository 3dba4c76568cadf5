package io.chorus.testing;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Redis client on the {@link TestServices}' Redis, for a test class of a store that needs no node: a static
 * {@code @RegisterExtension} field; the client and its Vert.x are made at the first {@link #api()} and closed after
 * the class's {@code @AfterAll} methods.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final TestRedis REDIS = new TestRedis();
 * }</pre>
 */
public final class TestRedis implements AfterAllCallback {
  private final int maxPoolSize;
  private final int maxPoolWaiting;
  private Vertx vertx;
  private RedisAPI api;

  /** With the client's default pool. */
  public TestRedis() {
    this(new RedisOptions().getMaxPoolSize(), new RedisOptions().getMaxPoolWaiting());
  }

  /** With a pool of its own: for tests that send many commands at once. */
  public TestRedis(int maxPoolSize, int maxPoolWaiting) {
    this.maxPoolSize = maxPoolSize;
    this.maxPoolWaiting = maxPoolWaiting;
  }

  public synchronized RedisAPI api() {
    if (api == null) {
      api = RedisAPI.api(Redis.createClient(vertx(), new RedisOptions().setConnectionString("redis://" + TestServices.services().redis().address())
          .setMaxPoolSize(maxPoolSize).setMaxPoolWaiting(maxPoolWaiting)));
    }
    return api;
  }

  /** The client's Vert.x, for the test's own consumers and timers. */
  public synchronized Vertx vertx() {
    if (vertx == null) {
      vertx = Vertx.vertx();
    }
    return vertx;
  }

  @Override
  public synchronized void afterAll(ExtensionContext context) {
    if (vertx != null) {
      TestServices.await(vertx.close());
      vertx = null;
      api = null;
    }
  }
}
