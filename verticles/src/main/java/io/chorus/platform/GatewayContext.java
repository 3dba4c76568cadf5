package io.chorus.platform;

import io.chorus.realtime.SocketDrop;
import io.vertx.ext.web.Router;

/** What one gateway instance gives a feature to mount its routes: its router and its slow-socket policy. */
public record GatewayContext(NodeContext node, Router router, SocketDrop drop) {
}
