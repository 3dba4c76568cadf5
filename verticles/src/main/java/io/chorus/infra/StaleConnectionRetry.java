package io.chorus.infra;

import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.util.Set;

/**
 * The S3 client's HTTP client, sending an idempotent request ({@code GET}, {@code HEAD}, {@code PUT},
 * {@code DELETE}) a second time when the connection was closed before any response came. The JDK keeps
 * connections alive between requests; after the S3 server restarts, the first request can go out on one the old
 * server closed, and fails with "Unexpected end of file from server" (or a reset) without the SDK retrying it: an
 * upload right after a restart was answered 503. The second attempt opens a fresh connection (the JDK drops
 * the closed one). A refused connection (the server is down) or a timeout is not retried here.
 */
final class StaleConnectionRetry implements SdkHttpClient {
  private static final Set<SdkHttpMethod> IDEMPOTENT = Set.of(SdkHttpMethod.GET, SdkHttpMethod.HEAD, SdkHttpMethod.PUT, SdkHttpMethod.DELETE);

  private final SdkHttpClient delegate;

  StaleConnectionRetry(SdkHttpClient delegate) {
    this.delegate = delegate;
  }

  @Override
  public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
    ExecutableHttpRequest first = delegate.prepareRequest(request);
    if (!IDEMPOTENT.contains(request.httpRequest().method())) {
      return first;
    }
    return new ExecutableHttpRequest() {
      private volatile ExecutableHttpRequest current = first;
      private volatile boolean aborted;

      @Override
      public HttpExecuteResponse call() throws IOException {
        try {
          return first.call();
        } catch (IOException | UncheckedIOException e) {
          if (aborted || !closedBeforeResponse(e)) {
            throw e;
          }
          current = delegate.prepareRequest(request);
          if (aborted) {
            throw e;
          }
          return current.call();
        }
      }

      @Override
      public void abort() {
        aborted = true;
        current.abort();
      }
    };
  }

  /** The connection was closed or reset under the request: no response came (a refused connection is no such case). */
  static boolean closedBeforeResponse(Exception e) {
    Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
    return t instanceof SocketException && !(t instanceof ConnectException);
  }

  @Override
  public String clientName() {
    return delegate.clientName();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
