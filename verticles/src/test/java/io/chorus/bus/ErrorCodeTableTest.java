package io.chorus.bus;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/api.md's table of errors ("Errors, everywhere the same") lists every {@link ErrorCode} with its bus code,
 * HTTP status and gRPC status, and nothing else: a client mapping codes from the table can handle every name the
 * wire carries (contract B, 11).
 */
class ErrorCodeTableTest {
  static final Path DOCS = Path.of(System.getProperty("chorus.docs.dir", "../docs")).toAbsolutePath().normalize();
  private static final Pattern ROW = Pattern.compile("(?m)^\\| `([a-z_]+)` \\| (\\d+) \\| (\\d+) \\| ([A-Z_]+) \\|$");

  @Test
  void theDocumentedTableIsTheEnum() throws Exception {
    String api = Files.readString(DOCS.resolve("api.md"));
    String section = api.substring(api.indexOf("## Errors, everywhere the same"), api.indexOf("## Input rules"));
    List<String> documented = new ArrayList<>();
    Matcher m = ROW.matcher(section);
    while (m.find()) {
      documented.add(m.group(1) + " " + m.group(2) + " " + m.group(3) + " " + m.group(4));
    }
    List<String> actual = new ArrayList<>();
    for (ErrorCode e : ErrorCode.values()) {
      actual.add(e.slug() + " " + e.code() + " " + e.httpStatus() + " " + e.grpcStatus());
    }
    assertThat(documented).containsExactlyInAnyOrderElementsOf(actual);
  }
}
