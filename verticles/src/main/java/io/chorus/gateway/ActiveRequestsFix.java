package io.chorus.gateway;

import io.vertx.core.VertxOptions;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.DatagramSocketMetrics;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.HttpClientMetrics;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.PoolMetrics;
import io.vertx.core.spi.metrics.TCPMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Works around a Vert.x 5.0 HTTP/1 metrics leak (eclipse-vertx/vert.x#6328): when the server answers
 * before a request's body has arrived (a 401/404/413 to a request with a {@code Content-Length}) and
 * the client then closes the connection, the metrics SPI gets {@code requestBegin} and
 * {@code responseEnd} but neither {@code requestEnd} nor {@code requestReset}, so
 * {@code vertx_http_server_active_requests} keeps that request for good and creeps up with every such
 * connection. The same holds for a request whose response never ended (a SockJS streaming or polling
 * response, an event stream) when its client hangs up. This wraps the HTTP server metrics: a request
 * counts as open until both its request and its response have ended; one still open when its
 * connection closes is reported as reset (once). A reset Vert.x reports itself (an HTTP/2 stream reset,
 * e.g. a cancelled gRPC call, after its request has ended) is forwarded unless this already reported
 * one, or the request had ended both ways.
 */
public final class ActiveRequestsFix {
  private ActiveRequestsFix() {
  }

  public static VertxMetricsFactory wrap(VertxMetricsFactory factory) {
    return new VertxMetricsFactory() {
      @Override
      public VertxMetrics metrics(VertxOptions options) {
        return new Metrics(factory.metrics(options));
      }

      @Override
      public MetricsOptions newOptions() {
        return factory.newOptions();
      }

      @Override
      public MetricsOptions newOptions(MetricsOptions options) {
        return factory.newOptions(options);
      }

      @Override
      public MetricsOptions newOptions(JsonObject json) {
        return factory.newOptions(json);
      }
    };
  }

  /** Every call goes to the delegate; only the HTTP server metrics are wrapped. */
  private record Metrics(VertxMetrics d) implements VertxMetrics {
    @Override
    public EventBusMetrics createEventBusMetrics() {
      return d.createEventBusMetrics();
    }

    @Override
    public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions options, SocketAddress local) {
      HttpServerMetrics<?, ?, ?> m = d.createHttpServerMetrics(options, local);
      return m == null ? null : new ServerMetrics<>(m);
    }

    @Override
    public ClientMetrics<?, ?, ?> createClientMetrics(SocketAddress remote, String type, String namespace) {
      return d.createClientMetrics(remote, type, namespace);
    }

    @Override
    public HttpClientMetrics<?, ?, ?> createHttpClientMetrics(HttpClientOptions options) {
      return d.createHttpClientMetrics(options);
    }

    @Override
    public TCPMetrics<?> createNetServerMetrics(NetServerOptions options, SocketAddress local) {
      return d.createNetServerMetrics(options, local);
    }

    @Override
    public TCPMetrics<?> createNetClientMetrics(NetClientOptions options) {
      return d.createNetClientMetrics(options);
    }

    @Override
    public DatagramSocketMetrics createDatagramSocketMetrics(DatagramSocketOptions options) {
      return d.createDatagramSocketMetrics(options);
    }

    @Override
    public PoolMetrics<?, ?> createPoolMetrics(String type, String name, int maxSize) {
      return d.createPoolMetrics(type, name, maxSize);
    }

    @Override
    public void vertxCreated(io.vertx.core.Vertx vertx) {
      d.vertxCreated(vertx);
    }

    @Override
    public boolean isMetricsEnabled() {
      return d.isMetricsEnabled();
    }

    @Override
    public void close() {
      d.close();
    }
  }

  /** Tracks, per connection, the requests whose request or response end was not reported yet. */
  static final class ServerMetrics<R, W, S> implements HttpServerMetrics<R, W, S> {
    private final HttpServerMetrics<R, W, S> d;
    private final Map<R, Open<S>> open = new ConcurrentHashMap<>();
    /**
     * Per connection its open request, or a {@link Many} while it has several: one per connection is
     * the rule (each WebSocket keeps its upgrade request open until it closes), and a set per
     * connection cost ~200 bytes of every idle socket.
     */
    private final Map<S, Object> byConnection = new ConcurrentHashMap<>();

    /** Several open requests of one connection; changed only inside the map's atomic compute calls. */
    private static final class Many extends java.util.ArrayList<Object> {
    }

    /** A request in progress: its connection and which of its two halves have ended. */
    private static final class Open<S> {
      final S socket;
      volatile boolean requestEnded;
      volatile boolean responseEnded;

      Open(S socket) {
        this.socket = socket;
      }
    }

    ServerMetrics(HttpServerMetrics<R, W, S> d) {
      this.d = d;
    }

    /** Forgets r; true if it was still tracked. */
    private boolean forget(R r) {
      if (r == null) {
        return false;
      }
      Open<S> o = open.remove(r);
      if (o == null) {
        return false;
      }
      if (o.socket != null) {
        byConnection.computeIfPresent(o.socket, (k, v) -> {
          if (v == r) {
            return null;
          }
          if (v instanceof Many many) {
            many.remove(r);
            return many.isEmpty() ? null : many;
          }
          return v;
        });
      }
      return true;
    }

    @Override
    public R requestBegin(S socket, HttpRequest request) {
      R r = d.requestBegin(socket, request);
      if (r != null) {
        open.put(r, new Open<>(socket));
        if (socket != null) {
          byConnection.compute(socket, (k, v) -> {
            if (v == null) {
              return r;
            }
            Many many;
            if (v instanceof Many m) {
              many = m;
            } else {
              many = new Many();
              many.add(v);
            }
            many.add(r);
            return many;
          });
        }
      }
      return r;
    }

    @Override
    public void requestEnd(R r, HttpRequest request, long bytesRead) {
      Open<S> o = r == null ? null : open.get(r);
      if (o != null) {
        o.requestEnded = true;
        if (o.responseEnded) {
          forget(r);
        }
      }
      d.requestEnd(r, request, bytesRead);
    }

    @Override
    public void requestReset(R r) {
      if (r == null || forget(r)) {
        d.requestReset(r);
      }
      // else: already reported as reset when its connection closed, or it had ended both ways
    }

    @Override
    public void disconnected(S socket, SocketAddress remote) {
      Object left = socket == null ? null : byConnection.remove(socket);
      if (left instanceof Many many) {
        for (Object r : many) {
          reset(r);
        }
      } else if (left != null) {
        reset(left);
      }
      d.disconnected(socket, remote);
    }

    @SuppressWarnings("unchecked")
    private void reset(Object r) {
      if (open.remove(r) != null) {
        d.requestReset((R) r);
      }
    }

    @Override
    public void responseBegin(R r, HttpResponse response) {
      d.responseBegin(r, response);
    }

    @Override
    public R responsePushed(S socket, HttpMethod method, String uri, HttpResponse response) {
      return d.responsePushed(socket, method, uri, response);
    }

    @Override
    public void responseEnd(R r, HttpResponse response, long bytesWritten) {
      Open<S> o = r == null ? null : open.get(r);
      if (o != null) {
        o.responseEnded = true;
        if (o.requestEnded) {
          forget(r);
        }
      }
      d.responseEnd(r, response, bytesWritten);
    }

    @Override
    public W connected(S socket, R r, ServerWebSocket ws) {
      return d.connected(socket, r, ws);
    }

    @Override
    public void disconnected(W ws) {
      d.disconnected(ws);
    }

    @Override
    public void requestRouted(R r, String route) {
      d.requestRouted(r, route);
    }

    @Override
    public S connected(SocketAddress remote, String remoteName) {
      return d.connected(remote, remoteName);
    }

    @Override
    public void bytesRead(S socket, SocketAddress remote, long bytes) {
      d.bytesRead(socket, remote, bytes);
    }

    @Override
    public void bytesWritten(S socket, SocketAddress remote, long bytes) {
      d.bytesWritten(socket, remote, bytes);
    }

    @Override
    public void exceptionOccurred(S socket, SocketAddress remote, Throwable t) {
      d.exceptionOccurred(socket, remote, t);
    }

    @Override
    public void close() {
      d.close();
    }
  }
}
