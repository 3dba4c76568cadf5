package io.chorus.realtime;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * The node's subscriptions, shared by every event loop that serves clients. A topic costs one cluster
 * subscription per node however many sockets on however many event loops listen to it; each event is
 * handed once to each loop with listeners (on that loop, in arrival order) as one {@link Delivery}
 * whose encodings every socket shares. Listeners are the features' per-loop channels, which keep their
 * sockets in a {@link Fanout} and, where order matters across nodes, a {@link Sequencer}.
 *
 * <p>Two kinds of topic: {@link #subscribe} registers the address in the cluster (the bridge, chat,
 * stream sessions: a subscriber waits for {@link Subscription#ready} before it relies on it);
 * {@link #route} takes a node address registered once at start and splits its events into local
 * topics by key ({@link #subscribeLocal}): a room's sockets are known to the room's state, which
 * sends their events to their nodes, so a socket that just joined cannot miss an event while a
 * cluster registration spreads. Thread-safe.
 */
public final class Hub {
  private static final Logger LOG = LoggerFactory.getLogger(Hub.class);

  private final Vertx vertx;
  private final Map<String, Topic> topics = new HashMap<>();
  private final Map<String, Topic> localTopics = new HashMap<>();
  private final Map<String, MessageConsumer<Object>> routes = new HashMap<>();
  private final Map<String, java.util.concurrent.atomic.AtomicInteger> counts = new java.util.concurrent.ConcurrentHashMap<>();

  public Hub(Vertx vertx) {
    this.vertx = vertx;
  }

  /** A listener of a topic on the calling event loop. */
  public interface Subscription {
    /** Completes once the node's subscription is registered in the cluster. */
    Future<Void> ready();

    void close();
  }

  /** Listens to a cluster address on the calling event loop. */
  public synchronized Subscription subscribe(String address, Handler<Delivery> listener) {
    Topic t = topics.get(address);
    if (t == null) {
      Topic created = new Topic(address);
      MessageConsumer<Object> consumer = vertx.eventBus().consumer(address, m -> dispatch(created, m));
      created.consumer = consumer;
      created.ready = consumer.completion();
      topics.put(address, created);
      t = created;
    }
    return t.add(listener, topics);
  }

  /** Listens on the calling event loop to the events {@link #route}d to {@code key}. */
  public synchronized Subscription subscribeLocal(String key, Handler<Delivery> listener) {
    Topic t = localTopics.computeIfAbsent(key, k -> {
      Topic created = new Topic(k);
      created.ready = Future.succeededFuture();
      return created;
    });
    return t.add(listener, localTopics);
  }

  /**
   * Registers a node address (once; later calls return the same registration) whose events go to the
   * local topic {@code keyOf} names (null: dropped).
   */
  public synchronized Future<Void> route(String address, Function<Message<Object>, String> keyOf) {
    MessageConsumer<Object> c = routes.get(address);
    if (c == null) {
      c = vertx.eventBus().consumer(address, m -> {
        String key = keyOf.apply(m);
        Topic t;
        synchronized (this) {
          t = key == null ? null : localTopics.get(key);
        }
        if (t != null) {
          dispatch(t, m);
        }
      });
      routes.put(address, c);
    }
    return onCallersContext(c.completion(), vertx.getOrCreateContext());
  }

  /**
   * {@code f} completed on {@code context}: a registration completes on the event loop that made it,
   * which is another gateway instance's for every loop but the first; a continuation run there would
   * write to this loop's sockets from a foreign thread (the HTTP server runs in strict thread mode).
   */
  static <T> Future<T> onCallersContext(Future<T> f, Context context) {
    io.vertx.core.Promise<T> mine = io.vertx.core.Promise.promise();
    f.onComplete(ar -> context.runOnContext(v -> mine.handle(ar)));
    return mine.future();
  }

  /** Listeners (event-loop channels, gRPC watches) on every topic of the node. */
  public int listeners() {
    return count("chorus.realtime.listeners").get();
  }

  /** Topics (cluster and local) with listeners on this node. */
  public synchronized int topics() {
    return topics.size() + localTopics.size();
  }

  /** Topics this node listens to whose address starts with {@code prefix}. */
  public synchronized int topics(String prefix) {
    int n = 0;
    for (String a : topics.keySet()) {
      if (a.startsWith(prefix)) {
        n++;
      }
    }
    return n;
  }

  /** A node-wide count (e.g. of open sockets) that every event loop's handler updates; gauges read it. */
  public java.util.concurrent.atomic.AtomicInteger count(String name) {
    return counts.computeIfAbsent(name, n -> new java.util.concurrent.atomic.AtomicInteger());
  }

  private void dispatch(Topic t, Message<Object> m) {
    List<Local> locals = t.locals;
    if (locals.isEmpty()) {
      return;
    }
    Delivery d = new Delivery(m.address(), m.body(), m.headers());
    Context here = Vertx.currentContext();
    for (Local l : locals) {
      if (l.context == here) {
        l.deliver(d);
      } else {
        l.context.runOnContext(v -> l.deliver(d));
      }
    }
  }

  private final class Topic {
    final String key;
    final CopyOnWriteArrayList<Local> locals = new CopyOnWriteArrayList<>();
    MessageConsumer<Object> consumer;
    Future<Void> ready;

    Topic(String key) {
      this.key = key;
    }

    Subscription add(Handler<Delivery> listener, Map<String, Topic> owner) {
      Context context = vertx.getOrCreateContext();
      Local local = new Local(context, listener);
      Future<Void> readyHere = onCallersContext(ready, context);
      locals.add(local);
      count("chorus.realtime.listeners").incrementAndGet();
      Topic self = this;
      return new Subscription() {
        @Override
        public Future<Void> ready() {
          return readyHere;
        }

        @Override
        public void close() {
          synchronized (Hub.this) {
            boolean removed = locals.remove(local);
            if (removed) {
              count("chorus.realtime.listeners").decrementAndGet();
            }
            if (removed && locals.isEmpty() && owner.get(key) == self) {
              owner.remove(key);
              if (consumer != null) {
                consumer.unregister().onFailure(e -> LOG.warn("Unregistering the node's subscription to {} failed: {}", key, e.getMessage()));
              }
            }
          }
        }
      };
    }
  }

  private record Local(Context context, Handler<Delivery> listener) {
    void deliver(Delivery d) {
      try {
        listener.handle(d);
      } catch (RuntimeException e) {
        // a listener's bug must not stop the topic's other loops
        LOG.error("Listener of {} failed", d.address(), e);
      }
    }
  }
}
