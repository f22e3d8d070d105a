package dev.cleanroom.internal.execution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * The people of a group as a database returns them where its driver has no array ({@link
 * PeopleHash#fromHexList}, the text of {@link dev.cleanroom.jdbc.SqlDialect#hexListAgg}): every
 * list of hashes round-trips, in either case of the digits, and every damaged text is refused with
 * a message that quotes none of it.
 */
class PeopleHashProperties {
  /** The only messages of a refusal: constant text, none of the input. */
  private static final Set<String> MESSAGES =
      Set.of("not a list of 16-digit people hashes", "a people hash has 16 hexadecimal digits");

  private static String hex(long h) {
    return HexFormat.of().toHexDigits(h);
  }

  private static String joined(List<Long> hashes, boolean upper) {
    StringBuilder b = new StringBuilder();
    for (long h : hashes) {
      b.append(b.length() == 0 ? "" : ",").append(hex(h));
    }
    return upper ? b.toString().toUpperCase(Locale.ROOT) : b.toString();
  }

  @Property(tries = 300)
  void aListOfHashes_roundTrips(
      @ForAll @Size(min = 1, max = 40) List<Long> hashes, @ForAll boolean upper) {
    long[] expected = hashes.stream().mapToLong(Long::longValue).toArray();
    assertArrayEquals(expected, PeopleHash.fromHexList(joined(hashes, upper)));
    for (long h : expected) {
      assertEquals(h, PeopleHash.fromHex(hex(h)));
    }
  }

  @Provide
  Arbitrary<Character> notAHexDigit() {
    return Arbitraries.oneOf(
        Arbitraries.of('+', '-', ' ', 'g', 'G', 'x', ',', '\u0000', '\uff10', '\u0660', '\u00e9'),
        Arbitraries.chars().filter(c -> Character.digit(c, 16) < 0 && c != ','));
  }

  @Property(tries = 300)
  void aDamagedList_isRefused_withoutQuotingIt(
      @ForAll @Size(min = 1, max = 6) List<Long> hashes,
      @ForAll("notAHexDigit") char bad,
      @ForAll("damages") int damage,
      @ForAll int where) {
    String text = joined(hashes, false);
    int at = Math.floorMod(where, text.length());
    String damaged =
        switch (damage) {
          case 0 -> text.substring(0, at) + bad + text.substring(at + 1); // one character replaced
          case 1 -> text.substring(0, at) + text.substring(at + 1); // one character dropped
          case 2 -> text + ","; // a trailing separator
          case 3 -> "," + text; // a leading separator
          case 4 -> text.replace(",", ";"); // another separator, or none to replace
          default -> text + "0"; // a digit too many
        };
    if (damage == 0 && bad == ',' || damage == 4 && hashes.size() == 1) {
      return; // a replaced comma by a comma, or no separator to replace: not damaged
    }
    NumberFormatException e =
        assertThrows(NumberFormatException.class, () -> PeopleHash.fromHexList(damaged));
    assertTrue(MESSAGES.contains(e.getMessage()), e::getMessage);
  }

  @Provide
  Arbitrary<Integer> damages() {
    return Arbitraries.integers().between(0, 5);
  }

  @Example
  void emptyText_andSignsAndOtherDigits_areRefused() {
    assertThrows(NumberFormatException.class, () -> PeopleHash.fromHexList(""));
    assertThrows(NumberFormatException.class, () -> PeopleHash.fromHex("+123456789abcdef"));
    assertThrows(NumberFormatException.class, () -> PeopleHash.fromHex("\uff10123456789abcdef"));
  }
}
