package io.chorus.gateway;

import com.google.protobuf.Descriptors;
import io.vertx.core.Handler;
import io.vertx.grpc.common.CodecException;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.common.WireFormat;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.Service;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

/**
 * A request message that does not decode is answered {@code INVALID_ARGUMENT}. vertx-grpc 5.0 lets the decoder's
 * {@link CodecException} fail the call on a stream it has already closed, so the client sees a reset stream
 * (CANCELLED) instead. {@link #wrap} binds a service's methods again with a decoder that never throws: a message
 * that does not decode becomes a {@link Malformed} marker, which the call answers with INVALID_ARGUMENT; every
 * other message reaches the service's own handler unchanged. Name and descriptor stay the service's (reflection).
 */
public final class MalformedMessages {
  private static final Logger LOG = LoggerFactory.getLogger(MalformedMessages.class);

  private MalformedMessages() {
  }

  /** What a message that did not decode is handed on as. */
  private record Malformed(String reason) {
  }

  /** Context-local key: a request message (whole, decoding or not) reached one of the wrapped services' calls. */
  private static final Object ARRIVED = new Object();

  /**
   * Whether a whole request message has reached a wrapped service's call on {@code requestContext} (the request's own
   * duplicated context, on which vertx-grpc decodes its messages); false while none has (no body, or a frame shorter
   * than its length prefix).
   */
  static boolean messageArrived(io.vertx.core.Context requestContext) {
    return requestContext instanceof io.vertx.core.internal.ContextInternal c && c.getLocal(ARRIVED) != null;
  }

  private record Binding(ServiceMethod<Object, Object> method, Handler<GrpcServerRequest<Object, Object>> handler) {
  }

  public static Service wrap(Service service) {
    List<Binding> bindings = capture(service);
    return new Service() {
      @Override
      public ServiceName name() {
        return service.name();
      }

      @Override
      public Descriptors.ServiceDescriptor descriptor() {
        return service.descriptor();
      }

      @Override
      public void bind(GrpcServer server) {
        for (Binding b : bindings) {
          server.callHandler(lenient(b.method()), request -> b.handler().handle(guarded(request)));
        }
      }
    };
  }

  /** The (method, handler) pairs the service binds, read from its {@link Service#bind} on a recording server. */
  @SuppressWarnings("unchecked")
  private static List<Binding> capture(Service service) {
    List<Binding> bindings = new ArrayList<>();
    GrpcServer recorder = (GrpcServer) Proxy.newProxyInstance(GrpcServer.class.getClassLoader(), new Class<?>[] {GrpcServer.class},
        (proxy, m, args) -> {
          if (m.getName().equals("callHandler") && args != null && args.length == 2 && args[0] instanceof ServiceMethod<?, ?>) {
            bindings.add(new Binding((ServiceMethod<Object, Object>) args[0], (Handler<GrpcServerRequest<Object, Object>>) args[1]));
            return proxy;
          }
          throw new UnsupportedOperationException("a service binds with callHandler only, not " + m.getName());
        });
    service.bind(recorder);
    return bindings;
  }

  private static ServiceMethod<Object, Object> lenient(ServiceMethod<Object, Object> method) {
    GrpcMessageDecoder<Object> strict = method.decoder();
    GrpcMessageDecoder<Object> decoder = new GrpcMessageDecoder<>() {
      @Override
      public Object decode(GrpcMessage msg) {
        if (io.vertx.core.Vertx.currentContext() instanceof io.vertx.core.internal.ContextInternal c) {
          c.putLocal(ARRIVED, Boolean.TRUE);
        }
        try {
          return strict.decode(msg);
        } catch (RuntimeException e) {   // CodecException, and whatever else a decoder throws
          return new Malformed(e.getMessage());
        }
      }

      @Override
      public boolean accepts(WireFormat format) {
        return strict.accepts(format);
      }
    };
    return ServiceMethod.server(method.serviceName(), method.methodName(), method.encoder(), decoder);
  }

  /** The request as the service's handler sees it: its message handler never gets a {@link Malformed}. */
  @SuppressWarnings("unchecked")
  private static GrpcServerRequest<Object, Object> guarded(GrpcServerRequest<Object, Object> request) {
    return (GrpcServerRequest<Object, Object>) Proxy.newProxyInstance(GrpcServerRequest.class.getClassLoader(),
        new Class<?>[] {GrpcServerRequest.class}, (proxy, m, args) -> {
          Object[] a = args;
          if (isHandler(m, args)) {
            Handler<Object> h = (Handler<Object>) args[0];
            a = new Object[] {(Handler<Object>) msg -> {
              if (msg instanceof Malformed bad) {
                LOG.debug("gRPC {}: the request message does not decode ({}); answered INVALID_ARGUMENT", request.fullMethodName(), bad.reason());
                request.response().status(GrpcStatus.INVALID_ARGUMENT).statusMessage("the request message does not decode as "
                    + request.methodName() + "'s request type").end();
              } else {
                h.handle(msg);
              }
            }};
          }
          Object result = invoke(m, request, a);
          return result == request ? proxy : result;
        });
  }

  private static boolean isHandler(Method m, Object[] args) {
    return m.getName().equals("handler") && args != null && args.length == 1 && args[0] != null;
  }

  private static Object invoke(Method m, Object target, Object[] args) throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
