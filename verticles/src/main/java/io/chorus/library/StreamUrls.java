package io.chorus.library;

import io.chorus.bus.ErrorCode;
import io.chorus.web.SignedIn;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * Short-lived signed stream URLs: a media element cannot send an {@code Authorization} header, so the
 * API hands out {@code /api/v1/tracks/<id>/stream?format=..&exp=..&u=..&sig=..}. The HMAC-SHA256 (key:
 * TOKEN_SECRET) covers the track, the format, the bitrate, the expiry and who asked (their id and whether
 * they moderate), so the stream is checked against the track's visibility for that user and counted as
 * their play. A changed parameter is a forged URL ({@code 403}); a late one is expired ({@code 401}).
 */
final class StreamUrls {
  private final io.chorus.web.UrlSignature signature;
  private final int ttlSeconds;

  /** What a valid signature vouches for. */
  record Grant(String trackId, String format, String maxBitrate, long expiresAt, SignedIn viewer) {
  }

  StreamUrls(String secret, int ttlSeconds) {
    this.signature = new io.chorus.web.UrlSignature(secret, "chorus-stream-v1");
    this.ttlSeconds = ttlSeconds;
  }

  int ttlSeconds() {
    return ttlSeconds;
  }

  /** The path and query of a signed URL, valid until {@code nowSeconds + ttl}. */
  String sign(String trackId, String format, String maxBitrate, SignedIn viewer, long nowSeconds) {
    long exp = nowSeconds + ttlSeconds;
    String user = viewer == null ? "" : viewer.userId();
    String mod = viewer != null && viewer.moderator() ? "1" : "";
    StringBuilder url = new StringBuilder("/api/v1/tracks/").append(trackId).append("/stream?format=").append(format);
    if (maxBitrate != null) {
      url.append("&max_bitrate=").append(enc(maxBitrate));
    }
    url.append("&exp=").append(exp);
    if (!user.isEmpty()) {
      url.append("&u=").append(user);
    }
    if (!mod.isEmpty()) {
      url.append("&m=1");
    }
    return url.append("&sig=").append(mac(trackId, format, maxBitrate, Long.toString(exp), user, mod)).toString();
  }

  /**
   * Checks the query's signature for this track; the grant, or 403 (forged) / 401 (expired). The signature covers
   * {@code exp} as written: another spelling of the same number ({@code 0} in front, {@code +}) is a changed parameter.
   */
  Grant verify(String trackId, String format, String maxBitrate, String exp, String user, String mod, String sig, long nowSeconds) {
    if (exp == null) {
      throw ErrorCode.FORBIDDEN.exception("invalid stream URL signature");
    }
    String u = user == null ? "" : user;
    String m = "1".equals(mod) ? "1" : "";
    if (mod != null && !"1".equals(mod)) {
      throw ErrorCode.FORBIDDEN.exception("invalid stream URL signature");
    }
    byte[] expected = mac(trackId, format, maxBitrate, exp, u, m).getBytes(StandardCharsets.US_ASCII);
    if (sig == null || !MessageDigest.isEqual(expected, sig.getBytes(StandardCharsets.US_ASCII))) {
      throw ErrorCode.FORBIDDEN.exception("invalid stream URL signature");
    }
    long expiry;
    try {
      expiry = io.chorus.input.Inputs.parseLong(exp);
    } catch (NumberFormatException e) {
      throw ErrorCode.FORBIDDEN.exception("invalid stream URL signature");
    }
    if (expiry < nowSeconds) {
      throw ErrorCode.UNAUTHENTICATED.exception("the stream URL has expired: ask for a new one");
    }
    SignedIn viewer = u.isEmpty() ? null : new SignedIn(u, "", expiry * 1000, m.isEmpty() ? List.of() : List.of("moderator"));
    return new Grant(trackId, format, maxBitrate, expiry, viewer);
  }

  private String mac(String trackId, String format, String maxBitrate, String exp, String user, String mod) {
    return signature.sign(trackId, String.valueOf(format), maxBitrate == null ? "" : maxBitrate, exp, user, mod);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
