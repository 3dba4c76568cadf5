package io.chorus.realtime;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

/**
 * One event as the node received it, handed to every event loop with sockets of its topic. Its
 * encodings are made on first use and then shared by every loop and socket: one encoding per node.
 * The body is read-only.
 */
public final class Delivery {
  private final String address;
  private final Object body;
  private final MultiMap headers;
  private volatile Frame json;
  private volatile Frame envelope;
  private volatile Frame custom;

  public Delivery(String address, Object body, MultiMap headers) {
    this.address = address;
    this.body = body;
    this.headers = headers;
  }

  public String address() {
    return address;
  }

  public Object body() {
    return body;
  }

  /** The body when it is a JSON object, else null. */
  public JsonObject json() {
    return body instanceof JsonObject j ? j : null;
  }

  public MultiMap headers() {
    return headers;
  }

  /** The JSON body as a text frame. */
  public Frame jsonFrame() {
    Frame f = json;
    if (f == null) {
      // a benign race: two loops may both encode the first time; either result is the same bytes
      f = Frame.of(body instanceof JsonObject j ? j.encode() : String.valueOf(body));
      json = f;
    }
    return f;
  }

  /** The event as the topic's one {@code encoder} makes it (a topic has one encoder: the result is kept). */
  public Frame frame(java.util.function.Function<Delivery, Frame> encoder) {
    Frame f = custom;
    if (f == null) {
      f = encoder.apply(this);
      custom = f;
    }
    return f;
  }

  /** The event in the SockJS bridge's envelope: {@code {type:"rec", address, body[, headers]}}. */
  public Frame bridgeFrame() {
    Frame f = envelope;
    if (f == null) {
      f = Frame.of(envelope(address).encode());
      envelope = f;
    }
    return f;
  }

  /**
   * The event in the bridge's envelope naming {@code as} as its address (another spelling of the address a client
   * registered, whose handler is keyed by that spelling): encoded on each call, unless {@code as} is the address.
   */
  public Frame bridgeFrame(String as) {
    return address.equals(as) ? bridgeFrame() : Frame.of(envelope(as).encode());
  }

  private JsonObject envelope(String as) {
    JsonObject env = new JsonObject().put("type", "rec").put("address", as).put("body", body);
    if (headers != null && !headers.isEmpty()) {
      JsonObject h = new JsonObject();
      headers.forEach(e -> h.put(e.getKey(), e.getValue()));
      env.put("headers", h);
    }
    return env;
  }
}
