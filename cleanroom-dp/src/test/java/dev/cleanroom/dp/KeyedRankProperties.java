package dev.cleanroom.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

class KeyedRankProperties {
  /**
   * The rank is the documented one, the first 8 bytes of SHA-256 over {@code saltHex|person|
   * partition} with the sign bit flipped, whatever the strings, also when one rank follows another
   * on the same thread (each starts from the salt alone).
   */
  @Property(tries = 200)
  void rank_isTheDocumentedSha256Prefix(
      @ForAll @Size(32) byte[] salt,
      @ForAll String person,
      @ForAll String partition,
      @ForAll String other)
      throws NoSuchAlgorithmException {
    KeyedRank rank = KeyedRank.keyed(salt);
    rank.rank(other, other);
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    byte[] text =
        (HexFormat.of().formatHex(salt) + "|" + person + "|" + partition)
            .getBytes(StandardCharsets.UTF_8);
    long expected = ByteBuffer.wrap(md.digest(text)).getLong() ^ Long.MIN_VALUE;
    assertEquals(expected, rank.rank(person, partition));
    assertEquals(expected, rank.rank(person, partition));
  }
}
