package io.chorus.library;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Album covers. The body (raw image bytes, or the {@code file} part of a multipart form) is read up to
 * {@code COVER_MAX_BYTES} ({@code 413} beyond), then checked by decoding it with ImageIO on a worker
 * thread: anything ImageIO cannot decode, and images larger than {@value #MAX_SIDE} px a side (read from
 * the header before the pixels, so a decompression bomb is never inflated), are {@code 415}. What is
 * stored is the re-encoded image (PNG when it has transparency, else JPEG; at most {@value #FULL_PX} px a
 * side), never the uploaded bytes, and a thumbnail at most {@value #THUMB_PX} px a side: {@code albums/<id>/cover} and {@code albums/<id>/cover-thumb}.
 */
final class Covers {
  private static final Logger LOG = LoggerFactory.getLogger(Covers.class);
  static final int MAX_SIDE = 8000;
  static final int THUMB_PX = 150;
  /** The stored cover is at most this many pixels a side (larger uploads are scaled down). */
  static final int FULL_PX = 2000;

  static {
    // decode from memory: ImageIO's default disk cache would write every upload to a temp file
    ImageIO.setUseCache(false);
  }

  private final Vertx vertx;
  private final S3Client s3;
  private final String bucket;
  private final int maxBytes;

  Covers(Vertx vertx, S3Client s3, String bucket, int maxBytes) {
    this.vertx = vertx;
    this.s3 = s3;
    this.bucket = bucket;
    this.maxBytes = maxBytes;
  }

  static String key(UUID album) {
    return "albums/" + album + "/cover";
  }

  static String thumbKey(UUID album) {
    return "albums/" + album + "/cover-thumb";
  }

  /**
   * Reads the image bytes of the request (raw body or the multipart part {@code file}); fails
   * PAYLOAD_TOO_LARGE past the limit without buffering more, INVALID_ARGUMENT for an empty body.
   * The router pauses the request until a handler reads it, so this may run after an async auth check.
   */
  Future<Buffer> read(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    Promise<Buffer> done = Promise.promise();
    String type = req.getHeader("Content-Type");
    boolean multipart = type != null && type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data");
    String length = req.getHeader("Content-Length");
    // refused before reading when the declared length says so; the multipart framing gets a little room
    // (its image part is counted while it streams)
    if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > maxBytes + (multipart ? 64L * 1024 : 0)) {
      return Future.failedFuture(ErrorCode.PAYLOAD_TOO_LARGE.exception("the cover is larger than " + maxBytes + " bytes"));
    }
    Buffer image = Buffer.buffer();
    boolean[] tooLarge = {false};
    boolean[] filePart = {false};
    if (multipart) {
      req.setExpectMultipart(true);
      req.uploadHandler(upload -> {
        if (!"file".equals(upload.name()) || filePart[0]) {
          upload.handler(b -> { });
          return;
        }
        filePart[0] = true;
        upload.handler(b -> append(image, b, tooLarge, done));
      });
    } else {
      req.handler(b -> append(image, b, tooLarge, done));
    }
    req.exceptionHandler(done::tryFail);
    req.endHandler(v -> {
      if (multipart && !filePart[0]) {
        done.tryFail(ErrorCode.INVALID_ARGUMENT.exception("the multipart form has no part named file"));
      } else if (image.length() == 0) {
        done.tryFail(ErrorCode.INVALID_ARGUMENT.exception("the cover image is empty"));
      } else {
        done.tryComplete(image);
      }
    });
    io.chorus.web.Http.continueIfExpected(req);
    req.resume();
    return done.future();
  }

  private void append(Buffer image, Buffer chunk, boolean[] tooLarge, Promise<Buffer> done) {
    if (tooLarge[0]) {
      return;   // drained, not kept: the answer is already 413
    }
    if (image.length() + chunk.length() > maxBytes) {
      tooLarge[0] = true;
      done.tryFail(ErrorCode.PAYLOAD_TOO_LARGE.exception("the cover is larger than " + maxBytes + " bytes"));
      return;
    }
    image.appendBuffer(chunk);
  }

  /** The re-encoded cover and its thumbnail, with their content type. */
  record Checked(byte[] full, byte[] thumb, String contentType) {
  }

  /** Decodes and re-encodes on a worker thread; UNSUPPORTED_MEDIA_TYPE when it is not an acceptable image. */
  Future<Checked> check(Buffer bytes) {
    return vertx.executeBlocking(() -> decode(bytes.getBytes()), false);
  }

  static Checked decode(byte[] bytes) throws IOException {
    BufferedImage img;
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = in == null ? java.util.Collections.emptyIterator() : ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw notImage("the cover is not an image ImageIO can read (PNG, JPEG, GIF, BMP, TIFF)");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        int w = reader.getWidth(0);
        int h = reader.getHeight(0);
        if (w < 1 || h < 1 || w > MAX_SIDE || h > MAX_SIDE) {
          throw notImage("the cover must be 1-" + MAX_SIDE + " pixels a side, it is " + w + "x" + h);
        }
        // a big (but allowed) image is decoded subsampled: the heap holds at most about FULL_PX² pixels, never w×h
        int step = Math.max(1, (int) Math.ceil((double) Math.max(w, h) / FULL_PX));
        javax.imageio.ImageReadParam param = reader.getDefaultReadParam();
        param.setSourceSubsampling(step, step, 0, 0);
        List<String> warnings = new java.util.ArrayList<>();
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        img = reader.read(0, param);
        if (!warnings.isEmpty()) {
          // e.g. "Premature end of JPEG file": the decoder made up the missing pixels
          throw notImage("the cover image is damaged: " + warnings.get(0));
        }
      } catch (IOException | RuntimeException e) {
        if (e instanceof ChorusException) {
          throw e;
        }
        throw notImage("the cover image cannot be decoded: " + e.getMessage());
      } finally {
        reader.dispose();
      }
    }
    boolean alpha = img.getColorModel().hasAlpha();
    String format = alpha ? "png" : "jpeg";
    double fullScale = Math.min(1.0, (double) FULL_PX / Math.max(img.getWidth(), img.getHeight()));
    BufferedImage full = normalise(img, Math.max(1, (int) Math.round(img.getWidth() * fullScale)),
        Math.max(1, (int) Math.round(img.getHeight() * fullScale)), alpha);
    double scale = Math.min(1.0, (double) THUMB_PX / Math.max(img.getWidth(), img.getHeight()));
    BufferedImage thumb = normalise(img, Math.max(1, (int) Math.round(img.getWidth() * scale)),
        Math.max(1, (int) Math.round(img.getHeight() * scale)), alpha);
    return new Checked(encode(full, format), encode(thumb, format), "image/" + format);
  }

  private static ChorusException notImage(String message) {
    return ErrorCode.UNSUPPORTED_MEDIA_TYPE.exception(message);
  }

  /** Draws into a plain RGB(A) image of the given size (indexed, grey and CMYK sources become RGB). */
  private static BufferedImage normalise(BufferedImage src, int w, int h, boolean alpha) {
    BufferedImage out = new BufferedImage(w, h, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.drawImage(src, 0, 0, w, h, null);
    } finally {
      g.dispose();
    }
    return out;
  }

  private static byte[] encode(BufferedImage img, String format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageWriter writer = ImageIO.getImageWritersByFormatName(format).next();
    try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(stream);
      ImageWriteParam param = writer.getDefaultWriteParam();
      if ("jpeg".equals(format)) {
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(0.9f);
      }
      writer.write(null, new IIOImage(img, null, null), param);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }

  /** Stores both objects (blocking S3 client, on a worker thread); UNAVAILABLE when S3 fails. */
  Future<Void> store(UUID album, Checked c) {
    return vertx.executeBlocking(() -> {
      s3.putObject(PutObjectRequest.builder().bucket(bucket).key(key(album)).contentType(c.contentType()).build(), RequestBody.fromBytes(c.full()));
      s3.putObject(PutObjectRequest.builder().bucket(bucket).key(thumbKey(album)).contentType(c.contentType()).build(), RequestBody.fromBytes(c.thumb()));
      return null;
    }, false).recover(e -> {
      LOG.warn("storing the cover of album {} failed: {}", album, e.toString());
      return Future.failedFuture(ErrorCode.UNAVAILABLE.exception("cover storage is unavailable"));
    }).mapEmpty();
  }

  Future<ResponseBytes<GetObjectResponse>> fetch(String key) {
    return vertx.executeBlocking(() -> s3.getObjectAsBytes(GetObjectRequest.builder().bucket(bucket).key(key).build()), false)
        .recover(e -> {
          LOG.warn("reading cover {} failed: {}", key, e.toString());
          return Future.failedFuture(ErrorCode.UNAVAILABLE.exception("cover storage is unavailable"));
        });
  }

  /** Removes the objects of a deleted album; a failure is logged, not returned (the row is gone, the keys are unreachable). */
  Future<Void> delete(List<String> keys) {
    return vertx.executeBlocking(() -> {
      for (String k : keys) {
        s3.deleteObject(DeleteObjectRequest.builder().bucket(bucket).key(k).build());
      }
      return null;
    }, false).otherwise(e -> {
      LOG.warn("removing covers {} failed: {}", keys, e.toString());
      return null;
    }).mapEmpty();
  }
}
