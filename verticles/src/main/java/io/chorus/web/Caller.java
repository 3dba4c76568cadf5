package io.chorus.web;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;

/**
 * The signed-in user behind the request being handled, where a transport authenticated one (a gRPC
 * call with an access JWT instead of the service API key). Kept in the request's own (duplicated)
 * Vert.x context, so it follows the request and nothing else; null for service calls.
 */
public final class Caller {
  private static final Object KEY = new Object();
  private static final Object ADDRESS = new Object();
  private static final Object SIGNED_IN = new Object();

  private Caller() {
  }

  /** Records {@code userId} as the caller of the request on the current context. */
  public static void set(String userId) {
    Context ctx = Vertx.currentContext();
    if (ctx instanceof ContextInternal c) {
      c.putLocal(KEY, userId);
    }
  }

  /**
   * Records the verified sign-in behind the current request (its user, session and token expiry), for a call that
   * outlives its start (a server stream) and must end when the sign-in does.
   */
  public static void set(SignedIn who) {
    set(who.userId());
    Context ctx = Vertx.currentContext();
    if (ctx instanceof ContextInternal c) {
      c.putLocal(SIGNED_IN, who);
    }
  }

  /** The sign-in {@link #set(SignedIn)} recorded for the current request, or null. */
  public static SignedIn signedIn() {
    Context ctx = Vertx.currentContext();
    return ctx instanceof ContextInternal c ? c.getLocal(SIGNED_IN) : null;
  }

  /** Records the client address (the TCP peer) of the signed-in caller's request on the current context. */
  public static void setAddress(String clientIp) {
    Context ctx = Vertx.currentContext();
    if (ctx instanceof ContextInternal c) {
      c.putLocal(ADDRESS, clientIp);
    }
  }

  /** The client address {@link #setAddress} recorded for the current request, or null. */
  public static String address() {
    Context ctx = Vertx.currentContext();
    return ctx instanceof ContextInternal c ? c.getLocal(ADDRESS) : null;
  }

  /** The signed-in caller of the current request, or null (a service with the API key). */
  public static String user() {
    Context ctx = Vertx.currentContext();
    return ctx instanceof ContextInternal c ? c.getLocal(KEY) : null;
  }
}
