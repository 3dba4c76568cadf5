package io.chorus.codecs;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Carries protobuf messages on the event bus.
 *
 * <p>Locally the message object itself is handed over (protobuf messages are immutable, so sharing
 * is safe and costs no copy). Across the cluster the wire form is
 * {@code [int typeLength][type name UTF-8][int bodyLength][protobuf bytes]}, where the type name is
 * the Java class of the message. Only classes under the allowed package prefixes are ever loaded
 * from a wire name, so a peer cannot make this node initialise arbitrary classes.
 */
public final class ProtoCodec implements MessageCodec<Message, Message> {

  public static final String NAME = "chorus-proto";

  private final String[] allowedPrefixes;
  private final ConcurrentHashMap<String, Parser<? extends Message>> parsers = new ConcurrentHashMap<>();

  public ProtoCodec(String... allowedPrefixes) {
    if (allowedPrefixes.length == 0) {
      throw new IllegalArgumentException("at least one allowed package prefix is required");
    }
    this.allowedPrefixes = allowedPrefixes.clone();
  }

  @Override
  public void encodeToWire(Buffer buffer, Message message) {
    byte[] type = message.getClass().getName().getBytes(StandardCharsets.UTF_8);
    byte[] body = message.toByteArray();
    buffer.appendInt(type.length).appendBytes(type).appendInt(body.length).appendBytes(body);
  }

  @Override
  public Message decodeFromWire(int pos, Buffer buffer) {
    int typeLength = buffer.getInt(pos);
    pos += 4;
    String type = buffer.getString(pos, pos + typeLength, "UTF-8");
    pos += typeLength;
    int bodyLength = buffer.getInt(pos);
    pos += 4;
    byte[] body = buffer.getBytes(pos, pos + bodyLength);
    try {
      return parserFor(type).parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt protobuf body for " + type, e);
    }
  }

  @Override
  public Message transform(Message message) {
    return message;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }

  private Parser<? extends Message> parserFor(String type) {
    Parser<? extends Message> parser = parsers.get(type);
    if (parser == null) {
      parser = loadParser(type);
      parsers.putIfAbsent(type, parser);
    }
    return parser;
  }

  @SuppressWarnings("unchecked")
  private Parser<? extends Message> loadParser(String type) {
    if (!isAllowed(type)) {
      throw new IllegalStateException("protobuf type not allowed on the bus: " + type);
    }
    try {
      Class<?> cls = Class.forName(type, true, ProtoCodec.class.getClassLoader());
      if (!Message.class.isAssignableFrom(cls)) {
        throw new IllegalStateException("not a protobuf message: " + type);
      }
      Message prototype = (Message) cls.getMethod("getDefaultInstance").invoke(null);
      return (Parser<? extends Message>) prototype.getParserForType();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("unknown protobuf type on the bus: " + type, e);
    }
  }

  private boolean isAllowed(String type) {
    for (String prefix : allowedPrefixes) {
      if (type.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }
}
