package dev.cleanroom.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

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
    long expected = documented(salt, person, partition);
    assertEquals(expected, rank.rank(person, partition));
    assertEquals(expected, rank.rank(person, partition));
  }

  /**
   * A thread's own ranker gives the documented rank too, call after call, for ASCII text longer
   * than its first buffer, any text, and a lone surrogate (which UTF-8 encoding writes as '?').
   */
  @Property(tries = 200)
  void ranker_givesTheDocumentedRank_callAfterCall(
      @ForAll @Size(32) byte[] salt,
      @ForAll @Size(max = 4) List<@StringLength(max = 150) @AlphaChars @NumericChars String> ascii,
      @ForAll @Size(max = 4) List<String> any)
      throws NoSuchAlgorithmException {
    KeyedRank.Ranker ranker = KeyedRank.keyed(salt).ranker();
    List<String> texts = new ArrayList<>(ascii);
    texts.addAll(any);
    texts.add("u\uD800x");
    texts.add("");
    texts.add("caf\u00e9 \u20ac \uD83D\uDE00"); // two, three and four bytes in UTF-8
    for (String person : texts) {
      for (String partition : texts) {
        assertEquals(documented(salt, person, partition), ranker.rank(person, partition));
      }
    }
  }

  private static long documented(byte[] salt, String person, String partition)
      throws NoSuchAlgorithmException {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    byte[] text =
        (HexFormat.of().formatHex(salt) + "|" + person + "|" + partition)
            .getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.wrap(md.digest(text)).getLong() ^ Long.MIN_VALUE;
  }
}
