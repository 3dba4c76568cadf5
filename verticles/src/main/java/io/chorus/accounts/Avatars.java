package io.chorus.accounts;

import io.chorus.bus.ErrorCode;
import io.chorus.web.Http;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

import java.util.Map;
import java.util.UUID;

/**
 * Avatar images in S3 ({@code avatars/<user id>/<random>}): PNG, JPEG, WebP or GIF up to
 * {@code AVATAR_MAX_BYTES}; the declared {@code Content-Type} must match the file's magic bytes. A new avatar
 * replaces the old object: it is deleted once the user row points at the new one. The S3 client blocks, so its
 * calls run on worker threads.
 */
public final class Avatars {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Avatars.class);
  /** In the documented order, so the refusal lists the types the same way on every run (Map.of's order is not). */
  private static final Map<String, byte[]> MAGIC = magic();

  private static Map<String, byte[]> magic() {
    Map<String, byte[]> m = new java.util.LinkedHashMap<>();
    m.put("image/png", new byte[] {(byte) 0x89, 'P', 'N', 'G'});
    m.put("image/jpeg", new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF});
    m.put("image/webp", new byte[] {'R', 'I', 'F', 'F'});
    m.put("image/gif", new byte[] {'G', 'I', 'F', '8'});
    return java.util.Collections.unmodifiableMap(m);
  }

  private final Vertx vertx;
  private final S3Client s3;
  private final String bucket;
  private final int maxBytes;
  private final AccountsService accounts;

  public Avatars(Vertx vertx, S3Client s3, String bucket, int maxBytes, AccountsService accounts) {
    this.vertx = vertx;
    this.s3 = s3;
    this.bucket = bucket;
    this.maxBytes = maxBytes;
    this.accounts = accounts;
  }

  public int maxBytes() {
    return maxBytes;
  }

  public Future<JsonObject> upload(Principal p, String contentType, Buffer body) {
    String type = contentType == null ? "" : contentType.split(";")[0].strip().toLowerCase(java.util.Locale.ROOT);
    byte[] magic = MAGIC.get(type);
    if (magic == null) {
      return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("avatar Content-Type must be one of " + MAGIC.keySet()));
    }
    if (body == null || body.length() == 0) {
      return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("the avatar image is empty"));
    }
    byte[] bytes = body.getBytes();
    if (!startsWith(bytes, magic) || ("image/webp".equals(type) && !(bytes.length > 12 && new String(bytes, 8, 4).equals("WEBP")))) {
      return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("the file is not a " + type + " image"));
    }
    String key = "avatars/" + p.userId() + "/" + UUID.randomUUID();
    return vertx.executeBlocking(() -> s3.putObject(PutObjectRequest.builder().bucket(bucket).key(key).contentType(type).build(),
            RequestBody.fromBytes(bytes)), false)
        .recover(e -> {
          LOG.warn("avatar upload of user {} to S3 failed: {}", p.userId(), e.toString());
          return Future.failedFuture(ErrorCode.UNAVAILABLE.exception("avatar storage is unavailable"));
        })
        .compose(r -> accounts.setAvatar(p, key, this::delete));
  }

  /**
   * Deletes a replaced avatar: nothing points at it any more, and left alone each upload would keep one more object.
   * A failure only leaves the object behind; the upload has succeeded.
   */
  private Future<Void> delete(String key) {
    return vertx.executeBlocking(() -> s3.deleteObject(DeleteObjectRequest.builder().bucket(bucket).key(key).build()), false)
        .<Void>mapEmpty()
        .recover(e -> {
          LOG.warn("replaced avatar {} not deleted from S3 (left behind): {}", key, e.toString());
          return Future.succeededFuture();
        });
  }

  /** Streams a user's avatar (public, so an {@code <img>} can show it). */
  public void serve(RoutingContext ctx, String userId) {
    accounts.users().byId(userId).compose(u -> u == null || u.avatarKey() == null || u.disabled()
            ? Future.<ResponseBytes<GetObjectResponse>>failedFuture(ErrorCode.NOT_FOUND.exception("no avatar"))
            : vertx.executeBlocking(() -> s3.getObjectAsBytes(GetObjectRequest.builder().bucket(bucket).key(u.avatarKey()).build()), false))
        .onSuccess(obj -> ctx.response().putHeader("Content-Type", obj.response().contentType())
            .putHeader("Cache-Control", "public, max-age=300").putHeader("X-Content-Type-Options", "nosniff")
            .end(Buffer.buffer(obj.asByteArray())))
        .onFailure(e -> Http.fail(ctx, e instanceof io.chorus.bus.ChorusException ? e : ErrorCode.UNAVAILABLE.exception("avatar storage is unavailable")));
  }

  private static boolean startsWith(byte[] data, byte[] prefix) {
    if (data.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (data[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
