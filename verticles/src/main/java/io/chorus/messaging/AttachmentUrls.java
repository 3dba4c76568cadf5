package io.chorus.messaging;

import io.chorus.bus.ErrorCode;
import io.chorus.input.Inputs;
import io.chorus.web.UrlSignature;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Short-lived signed attachment URLs: {@code <img src>} and {@code <audio src>} cannot send an {@code Authorization}
 * header, so each attachment of a message a member reads carries
 * {@code /api/v1/conversations/<id>/attachments/<attachment_id>?u=<viewer>&exp=<unix seconds>&sig=<signature>}.
 * The signature ({@link UrlSignature}, purpose {@code chorus-attachment-v1}) covers the conversation, the attachment,
 * the viewer and the expiry; the download still checks that the viewer is a member then (a member removed meanwhile
 * gets 404). The expiry is rounded to the minute, so the URLs of one minute are the same and the browser's cache
 * holds.
 */
final class AttachmentUrls {
  private final UrlSignature signature;
  private final int ttlSeconds;

  AttachmentUrls(String secret, int ttlSeconds) {
    this.signature = new UrlSignature(secret, "chorus-attachment-v1");
    this.ttlSeconds = ttlSeconds;
  }

  int ttlSeconds() {
    return ttlSeconds;
  }

  String url(String conversationId, String attachmentId, String viewer, long nowSeconds) {
    String exp = Long.toString(nowSeconds / 60 * 60 + ttlSeconds);
    return "/api/v1/conversations/" + conversationId + "/attachments/" + attachmentId + "?u=" + viewer + "&exp=" + exp
        + "&sig=" + signature.sign(conversationId, attachmentId, viewer, exp);
  }

  /** Puts a {@code url} for {@code viewer} on each attachment of {@code message} (changed in place and returned). */
  JsonObject sign(JsonObject message, String viewer) {
    JsonArray list = message.getJsonArray("attachments");
    if (list != null && !list.isEmpty()) {
      long now = System.currentTimeMillis() / 1000;
      String conversation = message.getString("conversation_id");
      for (Object o : list) {
        JsonObject a = (JsonObject) o;
        a.put("url", url(conversation, a.getString("id"), viewer, now));
      }
    }
    return message;
  }

  /**
   * The viewer a signed URL's query vouches for: 403 when a parameter was changed (or the signature is not ours),
   * 401 when it expired (the client reads the message again for a fresh URL). The signature covers {@code exp} as
   * written, so another spelling of the same number is a changed parameter.
   */
  String verify(String conversationId, String attachmentId, String user, String exp, String sig, long nowSeconds) {
    if (user == null || exp == null || !signature.matches(sig, conversationId, attachmentId, user, exp)) {
      throw ErrorCode.FORBIDDEN.exception("invalid attachment URL signature");
    }
    long expiry;
    try {
      expiry = Inputs.parseLong(exp);
    } catch (NumberFormatException e) {
      throw ErrorCode.FORBIDDEN.exception("invalid attachment URL signature");
    }
    if (expiry < nowSeconds) {
      throw ErrorCode.UNAUTHENTICATED.exception("the attachment URL has expired: read the message again for a new one");
    }
    return user;
  }
}
