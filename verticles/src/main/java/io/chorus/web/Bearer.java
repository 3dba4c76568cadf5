package io.chorus.web;

/**
 * Telling a signed-in user's access JWT apart from the other credentials Chorus takes in the same
 * places: a JWT has three dot-separated parts; participant tokens have two and stream keys none.
 */
public final class Bearer {
  private Bearer() {
  }

  /** True when {@code token} is shaped like a JWT. */
  public static boolean isJwt(String token) {
    return token != null && token.chars().filter(c -> c == '.').count() == 2;
  }

  /**
   * The token of an {@code Authorization} header value in the {@code Bearer} scheme (RFC 6750: the scheme in any case,
   * a space, the token); null without a header, for another scheme ({@code Basic}, ...) and for a bare token sent
   * without the scheme. Every route that takes a token in {@code Authorization} reads it here.
   */
  public static String token(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String t = authorization.substring(7).trim();
    return t.isEmpty() ? null : t;
  }

  /**
   * The access JWT of a request: the one in {@code Authorization: Bearer <jwt>}, else {@code param}, a query parameter
   * that carries nothing but an access JWT ({@code access_token}): any value there is taken as one, so a value that is
   * not a JWT is refused as malformed (401, close 4401) rather than ignored, which joined the caller anonymously. Null
   * without either.
   */
  /**
   * The access JWT a WebSocket handshake of {@code /ws} or {@code /ws/stream} presents: the token of
   * {@code Authorization: Bearer}, else {@code param} ({@code access_token}). On those endpoints the header carries
   * nothing but an access JWT (the participant token and the stream key come in query parameters or their own header),
   * so any Bearer value is taken as one and a value that is not a JWT is refused (close 4401), as REST refuses it,
   * rather than ignored, which joined the caller anonymously. Another scheme ({@code Basic}, a proxy's) is not a
   * credential of Chorus and is ignored. Null without either.
   */
  public static String accessToken(String authorization, String param) {
    String t = token(authorization);
    if (t != null) {
      return t;
    }
    return param == null || param.isEmpty() ? null : param;
  }

  public static String jwt(String authorization, String param) {
    String t = token(authorization);
    if (isJwt(t)) {
      return t;
    }
    return param == null || param.isEmpty() ? null : param;
  }
}
