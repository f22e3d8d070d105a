package dev.cleanroom.policy;

import dev.cleanroom.Column;
import dev.cleanroom.Schema;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The AWS documents of the tests, written from AWS's published API reference and user guide. */
final class AwsFixtures {
  static final String UID = "hashed_email";

  static final Schema SCHEMA =
      Schema.of(
          Column.string(UID),
          Column.string("hashed_phone"),
          Column.string("segment"),
          Column.string("purchase_date"),
          Column.string("product_line"),
          Column.float64("purchases"),
          Column.string("order_id"));

  private AwsFixtures() {}

  static String read(String name) {
    try (InputStream in = AwsFixtures.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static AwsImportOptions options() {
    return AwsImportOptions.builder()
        .schema(SCHEMA)
        .userIdColumn(UID)
        .analysts("advertiser", "agency")
        .minDistinctUsers(25)
        .accountParty("111122223333", "advertiser")
        .build();
  }
}
