package io.chorus.codecs;

import com.google.protobuf.Message;
import io.vertx.core.Vertx;

/** The one place where Chorus codecs are registered on an event bus. */
public final class Codecs {

  /** Package prefixes whose protobuf classes may be decoded from the cluster wire. */
  public static final String[] BUS_PROTO_PACKAGES = {"io.chorus.proto."};

  private Codecs() {
  }

  /**
   * Registers the protobuf codec and a selector that picks it for every protobuf message, so
   * senders need no {@code DeliveryOptions.setCodecName}. Call once per Vert.x instance.
   */
  public static void register(Vertx vertx) {
    vertx.eventBus().registerCodec(new ProtoCodec(BUS_PROTO_PACKAGES));
    vertx.eventBus().codecSelector(body -> body instanceof Message ? ProtoCodec.NAME : null);
  }
}
